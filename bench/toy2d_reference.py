#!/usr/bin/python3
"""The toy2d baseline of disco (latent.m = 0) in PyTorch-Python, for bench/run.sh to compare with disco_bench_toy2d.

Mirrors, for m = 0:
  domains/toy2d/src/networks.cpp   G(x, t) = (c - x) / (t^2 + sigma_1^2) + c_in(t) H(c_in(t) x, c_noise(t)),
                                   c a learnable point, H a four-layer SiLU MLP; D(x; t) = x + t^2 G (Tweedie)
  core/src/edm.cpp, edm_diffusion.cpp   EDM c_in, c_noise, loss weight lambda(sigma), ln sigma ~ N(p_mean, p_std^2)
  core/src/train/trainer.cpp       one stage-1 step: indices, gather, sigma, perturb, denoise, loss mean + item,
                                   zero_grad, backward, clip_grad_norm_ (+ finiteness check), Adam, EMA (warm-up)
  core/src/samplers/heun.cpp + time_steps.cpp   Heun on the probability-flow ODE, EDM time steps (rho = 7)
with examples/toy2d/eight_gaussians_baseline.toml's sizes. Same options and JSON as disco_bench_toy2d.
Run it with /usr/bin/python3 (Debian's python3-torch).
"""
import argparse
import copy
import json
import math
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_common import edm_time_steps, header, heun, peak_rss_kb, timed  # noqa: E402

# The experiment (bench/toy2d_bench.cpp's config_toml).
SEED = 0
POINTS_PER_MODE, MODE_SIGMA, RADIUS = 1000, 0.2, 3.0
SIGMA_DATA, P_MEAN, P_STD = 3.0, -1.2, 1.2
SIGMA_MIN, SIGMA_MAX, RHO = 0.002, 80.0, 7.0
HIDDEN, COMPONENT_SIGMA = 128, 0.2
LR, EMA_DECAY, GRAD_CLIP = 1e-3, 0.999, 1.0
SAMPLE_BATCH = 8192  # sample.batch_size: points per sampler call


class Toy2dBaselineDenoiser(torch.nn.Module):
    """Toy2dDenoiserImpl with m = 0: the Gaussian term is centred on one learnable point."""

    def __init__(self, hidden, component_sigma, sigma_data, gcc_init_order=False):
        super().__init__()
        self.component_sigma = component_sigma
        self.sigma_data = sigma_data
        self.baseline_center = torch.nn.Parameter(torch.zeros(2))
        # H: input (c_in x, c_noise), four linear layers. GCC evaluates the C++ Sequential's constructor arguments
        # right to left, so disco draws the initial weights of the last layer first; gcc_init_order does the same,
        # which makes the two programs compute identical losses (bench/run.sh checks this).
        sizes = [(3, hidden), (hidden, hidden), (hidden, hidden), (hidden, 2)]
        order = range(3, -1, -1) if gcc_init_order else range(4)
        linears = [None] * 4
        for i in order:
            linears[i] = torch.nn.Linear(*sizes[i])
        self.h = torch.nn.Sequential(linears[0], torch.nn.SiLU(), linears[1], torch.nn.SiLU(),
                                     linears[2], torch.nn.SiLU(), linears[3])

    def score(self, x, t):
        t2 = (t * t).unsqueeze(1)
        center = self.baseline_center.unsqueeze(0).expand(x.size(0), 2)
        gaussian_score = (center - x) / (t2 + self.component_sigma * self.component_sigma)
        c_in = (t * t + self.sigma_data * self.sigma_data).rsqrt().unsqueeze(1)  # EdmPrecond::c_in
        c_noise = (t.log() / 4).unsqueeze(1)                                     # EdmPrecond::c_noise
        features = torch.cat([c_in * x, c_noise], 1)
        return gaussian_score + c_in * self.h(features)

    def forward(self, x, sigma):  # denoise
        return x + (sigma * sigma).unsqueeze(1) * self.score(x, sigma)


def eight_gaussians(gen):
    d = RADIUS / math.sqrt(2.0)
    means = [(RADIUS, 0), (-RADIUS, 0), (0, RADIUS), (0, -RADIUS), (d, d), (d, -d), (-d, d), (-d, -d)]
    return torch.cat([torch.randn(POINTS_PER_MODE, 2, generator=gen) * MODE_SIGMA + torch.tensor(mu, dtype=torch.float)
                      for mu in means], 0)


def loss_weight(sigma):  # EdmPrecond::loss_weight
    return (sigma * sigma + SIGMA_DATA * SIGMA_DATA) / (sigma * SIGMA_DATA).pow(2)


class TrainLoop:
    def __init__(self, model, ema, batch):
        self.model, self.ema, self.batch = model, ema, batch
        self.gen = torch.Generator().manual_seed(SEED)
        self.points = eight_gaussians(torch.Generator().manual_seed(SEED * 7919 + 1))
        self.opt = torch.optim.Adam(model.parameters(), lr=LR)
        self.step_count = 0
        self.last_loss = float("nan")
        model.train()

    def step(self, phases=None):
        t = time.perf_counter()

        def lap(i):
            nonlocal t
            if phases is not None:
                now = time.perf_counter()
                phases[i] += now - t
                t = now

        b = self.batch
        idx = torch.randint(self.points.size(0), (b,), generator=self.gen)
        x = self.points.index_select(0, idx)
        sigma = (torch.randn(b, generator=self.gen) * P_STD + P_MEAN).exp()
        noisy = x + sigma.reshape(b, 1) * torch.randn(x.shape, generator=self.gen)
        lap(0)
        pred = self.model(noisy, sigma)
        loss = (loss_weight(sigma) * (pred - x).pow(2).reshape(b, -1).mean(1)).mean()
        loss_value = loss.item()
        lap(1)
        self.opt.zero_grad()
        if not math.isfinite(loss_value):
            raise RuntimeError("benchmark training diverged (loss not finite)")
        loss.backward()
        lap(2)
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), GRAD_CLIP if GRAD_CLIP > 0 else 1e30)
        if not math.isfinite(norm.item()):
            raise RuntimeError("benchmark training diverged (gradient not finite)")
        lap(3)
        self.opt.step()
        lap(4)
        decay = min(EMA_DECAY, (1.0 + self.step_count) / (10.0 + self.step_count))
        with torch.no_grad():  # disco::ema_update
            for pe, pm in zip(self.ema.parameters(), self.model.parameters()):
                pe.mul_(decay).add_(pm.detach(), alpha=1.0 - decay)
            for be, bm in zip(self.ema.buffers(), self.model.buffers()):
                be.copy_(bm)
        lap(5)
        self.step_count += 1
        self.last_loss = loss_value


@torch.no_grad()
def generate(ema, n, steps):  # disco::generate for m = 0: prior draw, then Heun in chunks of sample.batch_size
    ema.eval()
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    nfe = 0

    def denoise(x, sigma):
        nonlocal nfe
        nfe += 1
        return ema(x, torch.full((x.size(0),), sigma, dtype=x.dtype))

    t = edm_time_steps(steps, SIGMA_MIN, SIGMA_MAX, RHO)
    xs = []
    for start in range(0, n, SAMPLE_BATCH):
        nb = min(SAMPLE_BATCH, n - start)
        nfe = 0
        x0 = torch.randn(nb, 2, generator=gen) * SIGMA_MAX
        xs.append(heun(denoise, x0, t))
    return torch.cat(xs, 0), nfe


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch.set_num_threads (default: all cores)")
    p.add_argument("--repeats", type=int, default=5, help="timed repeats per workload (default 5)")
    p.add_argument("--warmup", type=int, default=1, help="untimed repeats first (default 1)")
    p.add_argument("--workload", choices=["train", "sample", "all"], default="all")
    p.add_argument("--train-steps", type=int, default=50, help="training steps per repeat (time reported per step)")
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--sample-n", type=int, default=8000)
    p.add_argument("--sample-steps", type=int, default=50)
    p.add_argument("--breakdown", action="store_true", help="also time the phases of a training step")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the summary")
    p.add_argument("--gcc-init-order", action="store_true",
                   help="draw the initial weights in disco's order (for the parity check in bench/run.sh)")
    o = p.parse_args()
    if min(o.threads, o.repeats, o.train_steps, o.batch, o.sample_n, o.sample_steps) < 1 or o.warmup < 0:
        p.error("--threads, --repeats, --train-steps, --batch, --sample-n, --sample-steps must be >= 1, --warmup >= 0")

    torch.set_num_threads(o.threads)
    torch.manual_seed(SEED)
    model = Toy2dBaselineDenoiser(HIDDEN, COMPONENT_SIGMA, SIGMA_DATA, o.gcc_init_order)
    ema = copy.deepcopy(model)  # Model::build: a second denoiser with the same weights, in eval mode
    ema.eval()
    param_count = sum(p.numel() for p in model.parameters())

    do_train, do_sample = o.workload != "sample", o.workload != "train"
    train_times, sample_times, train_cpu, sample_cpu = [], [], [], []
    phase_names = ["data", "forward", "backward", "clip", "adam", "ema"]
    phases = [0.0] * 6
    phase_steps, nfe, last_loss, mean_xy = 0, 0, float("nan"), [float("nan")] * 2
    if do_train:
        loop = TrainLoop(model, ema, o.batch)

        def train_repeat():
            for _ in range(o.train_steps):
                loop.step(phases if o.breakdown else None)

        timed(o.warmup, 0, train_repeat)
        phases[:] = [0.0] * 6  # the breakdown covers the timed repeats only
        wall, cpu = timed(0, o.repeats, train_repeat)
        train_times = [s / o.train_steps for s in wall]
        train_cpu = [s / o.train_steps for s in cpu]
        phase_steps = o.repeats * o.train_steps
        last_loss = loop.last_loss
    if do_sample:
        drawn = []  # every repeat draws the same samples (generate seeds itself); the checks look at the last

        def sample_repeat():
            drawn[:] = generate(ema, o.sample_n, o.sample_steps)

        sample_times, sample_cpu = timed(o.warmup, o.repeats, sample_repeat)
        x, nfe = drawn
        if x.size(0) != o.sample_n or not bool(torch.isfinite(x).all()):
            raise RuntimeError("benchmark sampling produced a wrong or non-finite result")
        mean_xy = x.double().mean(0).tolist()

    peak = peak_rss_kb()
    if o.json:
        out = {**header(param_count), "peak_rss_kb": peak, "workloads": {}}
        if do_train:
            out["workloads"]["train"] = {"batch": o.batch, "steps_per_repeat": o.train_steps, "warmup": o.warmup,
                                         "last_loss": last_loss, "seconds_per_step": train_times,
                                         "cpu_seconds_per_step": train_cpu}
            if o.breakdown:
                out["workloads"]["train"]["breakdown_seconds_per_step"] = {
                    n: v / phase_steps for n, v in zip(phase_names, phases)}
        if do_sample:
            out["workloads"]["sample"] = {"n": o.sample_n, "steps": o.sample_steps, "nfe": nfe, "warmup": o.warmup,
                                          "mean_xy": mean_xy, "seconds": sample_times, "cpu_seconds": sample_cpu}
        print(json.dumps(out))
    else:
        print(f"python toy2d baseline (latent.m = 0): {param_count} parameters, torch {torch.__version__}, "
              f"{torch.get_num_threads()} threads")
        if do_train:
            print(f"train step (batch {o.batch}): median {1e3 * statistics.median(train_times):.3f} ms "
                  f"(CPU {1e3 * statistics.median(train_cpu):.3f} ms) over "
                  f"{o.repeats} repeats of {o.train_steps} steps (loss {last_loss:.4g})")
            if o.breakdown:
                for n, v in zip(phase_names, phases):
                    print(f"  {n:<9} {1e3 * v / phase_steps:.3f} ms")
        if do_sample:
            print(f"sample {o.sample_n} points, heun {o.sample_steps} steps ({nfe} NFE): median "
                  f"{statistics.median(sample_times):.3f} s (CPU {statistics.median(sample_cpu):.3f} s) over "
                  f"{o.repeats} repeats")
        print(f"peak RSS {peak / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
