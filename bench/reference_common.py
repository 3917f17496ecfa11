"""What the three Python references (toy2d_reference.py, image_reference.py, docking_reference.py) share: the
timing loop and the fields every reference's JSON starts with, so that bench/run.sh's reports read the same
keys from each.
"""
import resource
import sys
import time

import torch


def timed(warmup, repeats, body):
    """Runs body() warmup + repeats times; returns the wall and CPU seconds (process_time: all threads) of the
    last `repeats` runs."""
    wall, cpu = [], []
    for r in range(warmup + repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        body()
        if r >= warmup:
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    return wall, cpu


def header(param_count):
    """The fields a reference's JSON starts with: who measured, on what, with how many threads and parameters."""
    return {"impl": "python", "torch_version": torch.__version__, "python_version": sys.version.split()[0],
            "threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads(),
            "param_count": param_count}


def peak_rss_kb():
    """The process's peak resident set size so far, in KiB (Linux's unit for ru_maxrss)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def edm_time_steps(steps, sigma_min, sigma_max, rho):  # core/src/time_steps.cpp (Karras et al. 2022, Eq. 5)
    a, b = sigma_max ** (1.0 / rho), sigma_min ** (1.0 / rho)
    t = [(a + (0.0 if steps == 1 else i / (steps - 1)) * (b - a)) ** rho for i in range(steps)]
    return t + [0.0]


def heun(denoise, x, t):  # core/src/samplers/heun.cpp (Karras et al. 2022, Alg. 1, deterministic)
    """Integrates the probability-flow ODE from t[0] down the noise levels t (the last one 0)."""
    for i in range(len(t) - 1):
        h = t[i + 1] - t[i]
        d = (x - denoise(x, t[i])) / t[i]
        x_next = x + h * d
        if t[i + 1] > 0:
            d_next = (x_next - denoise(x_next, t[i + 1])) / t[i + 1]
            x_next = x + h * 0.5 * (d + d_next)
        x = x_next
    return x
