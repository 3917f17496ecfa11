// Internal: the core's samplers (one file each), their shared pieces, and their config.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "disco/config.h"
#include "disco/sampler.h"

namespace disco {

std::unique_ptr<Sampler> make_euler_sampler(const Config& config);
std::unique_ptr<Sampler> make_heun_sampler(const Config& config);
std::unique_ptr<Sampler> make_edm_stochastic_sampler(const Config& config);
std::unique_ptr<Sampler> make_restart_sampler(const Config& config);
std::unique_ptr<Sampler> make_ddpm_sampler(const Config& config);
std::unique_ptr<Sampler> make_dpm_solver_2m_sampler(const Config& config);

// Records x at sigma when a trajectory is requested.
inline void record(Trajectory* trajectory, double sigma, const at::Tensor& x) {
  if (!trajectory) return;
  trajectory->sigmas.push_back(sigma);
  trajectory->states.push_back(x.detach().to(c10::kCPU));
}

// Reports sampler progress (step of total) with the seconds since construction.
class StepProgress {
 public:
  StepProgress(const Reporter& reporter, std::string what, int64_t total)
      : reporter_(reporter), what_(std::move(what)), total_(total), start_(std::chrono::steady_clock::now()) {}
  void operator()(int64_t step) const {
    reporter_.tick(step, total_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(), what_);
  }

 private:
  const Reporter& reporter_;
  std::string what_;
  int64_t total_;
  std::chrono::steady_clock::time_point start_;
};

// One Heun step of the probability-flow ODE from t_cur to t_next (Karras et al. 2022, Alg. 1); a plain Euler
// step when t_next = 0. Two network evaluations, one on the last step.
at::Tensor heun_step(const Diffusion& diffusion, const DenoiseFn& denoise, const at::Tensor& x, double t_cur,
                     double t_next);

// Stochasticity knobs shared by edm-stochastic and restart ([sample] s_churn, s_min, s_max, s_noise).
struct ChurnOptions {
  double s_churn = 0, s_min = 0, s_max = 1e9, s_noise = 1.0;
};
ChurnOptions churn_options(const Config& config);

// One restart interval [N_restart, K, t_min, t_max] (Xu et al. 2023).
struct RestartInterval {
  int64_t n_steps = 0, k = 0;
  double t_min = 0, t_max = 0;
};
// Reads sample.restart (a flat list of 4-tuples) and checks it against [diffusion.sigma_min, sigma_max];
// problems are ConfigErrors naming the key's file:line:col.
std::vector<RestartInterval> restart_intervals(const Config& config);

}  // namespace disco
