#include "datasets.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "csv_points.h"

namespace disco::toy2d {

std::vector<Point> eight_gaussian_means(double r) {
  const double d = r / std::sqrt(2.0);
  return {{r, 0}, {-r, 0}, {0, r}, {0, -r}, {d, d}, {d, -d}, {-d, d}, {-d, -d}};
}

std::vector<Point> to_points(const at::Tensor& xy) {
  auto c = xy.to(at::kCPU).to(at::kDouble).contiguous();
  std::vector<Point> out(c.size(0));
  const double* p = c.data_ptr<double>();
  for (size_t i = 0; i < out.size(); ++i) out[i] = {p[2 * i], p[2 * i + 1]};
  return out;
}

namespace {

at::Tensor mixture(const std::vector<Point>& means, int64_t per_mode, double sigma, at::Generator& gen) {
  std::vector<at::Tensor> parts;
  for (const auto& mu : means) {
    auto center = at::tensor({mu.x, mu.y}, at::kFloat);
    parts.push_back(at::randn({per_mode, 2}, gen) * sigma + center);
  }
  return at::cat(parts, 0);
}

at::Tensor two_moons(int64_t n, at::Generator& gen) {
  const double pi = 3.14159265358979323846;
  auto t = at::rand({n}, gen) * pi;
  auto upper = at::rand({n}, gen) < 0.5;
  auto x = at::where(upper, t.cos(), 1 - t.cos());
  auto y = at::where(upper, t.sin(), 0.5 - t.sin());
  auto xy = at::stack({x - 0.5, y - 0.25}, 1) * 2.5;
  return xy + at::randn({n, 2}, gen) * 0.1;
}

at::Tensor checkerboard(int64_t n, at::Generator& gen) {
  // 4x4 board on [-4, 4]^2 with the "black" squares filled.
  auto x1 = at::rand({n}, gen) * 8 - 4;
  auto col = (x1 + 4).floor() / 2;  // 0..3 in units of 2
  auto row_pick = at::randint(0, 2, {n}, gen, at::TensorOptions().dtype(at::kFloat));
  auto parity = (col.floor().remainder(2));
  auto y_cell = row_pick * 2 + parity;  // rows 0..3 alternating with the column
  auto x2 = (y_cell * 2 - 4) + at::rand({n}, gen) * 2;
  return at::stack({x1, x2}, 1);
}

at::Tensor swiss_roll(int64_t n, at::Generator& gen) {
  const double pi = 3.14159265358979323846;
  auto t = (at::rand({n}, gen) * 2 + 1) * 1.5 * pi;
  auto xy = at::stack({t * t.cos(), t * t.sin()}, 1) / 3.0;
  return xy + at::randn({n, 2}, gen) * 0.1;
}

}  // namespace

ToyData make_toy_data(const Config& config, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  const auto& name = config.get_string("data.name");
  const int64_t per_mode = config.get_int("data.points_per_mode");
  ToyData data;
  if (name == "eight_gaussians") {
    data.means = eight_gaussian_means(config.get_float("data.radius"));
    data.mode_sigma = config.get_float("data.mode_sigma");
    data.points = mixture(data.means, per_mode, data.mode_sigma, gen);
  } else if (name == "two_moons") {
    data.points = two_moons(per_mode * 8, gen);
  } else if (name == "checkerboard") {
    data.points = checkerboard(per_mode * 8, gen);
  } else if (name == "swiss_roll") {
    data.points = swiss_roll(per_mode * 8, gen);
  } else {  // "csv"; the schema's choices rule out anything else
    const auto pts = read_points_csv(config.get_string("data.path"));
    std::vector<float> flat;
    for (const auto& p : pts) {
      flat.push_back(float(p.x));
      flat.push_back(float(p.y));
    }
    auto all = at::tensor(flat, at::kFloat).reshape({int64_t(pts.size()), 2});
    data.points = all.index_select(0, at::randperm(all.size(0), gen));
  }
  return data;
}

}  // namespace disco::toy2d
