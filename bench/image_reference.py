#!/usr/bin/python3
"""The image workloads of bench/image_bench.cpp, written in PyTorch-Python (run with /usr/bin/python3).

The same networks as disco's image plugin, built from the same TOML (examples/image/fashion_mnist.toml):
  - the U-Net of domains/image/src/unet.cpp (ResBlock, SelfAttention, CrossAttention, the latent token path of
    core/src/latent_embedding.cpp and blocks.cpp's TransformerBlock) with EDM preconditioning (core/src/edm.cpp);
  - the ViT encoder of domains/image/src/vit.cpp;
  - the AR prior of core/src/prior/ar_prior.cpp.
Every parameter has disco's name and shape (the report compares them tensor by tensor); the weights are drawn
independently, so the two sides compute the same FLOPs on different numbers. The work per workload mirrors
core/src/train/trainer.cpp (stage 1), core/src/generate.cpp + samplers/heun.cpp, and the roofline of the C++ side.
"""
import argparse
import gzip
import json
import math
import os
import statistics
import sys
import time
import tomllib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_common import edm_time_steps, header, heun, peak_rss_kb, timed  # noqa: E402


def group_norm(ch):
    return nn.GroupNorm(math.gcd(ch, 32), ch, eps=1e-6)


def attend(q, k, v, heads):
    b, lq, w = q.shape
    lk, dh = k.shape[1], w // heads
    qh = q.reshape(b, lq, heads, dh).transpose(1, 2)
    kh = k.reshape(b, lk, heads, dh).transpose(1, 2)
    vh = v.reshape(b, lk, heads, dh).transpose(1, 2)
    scores = torch.matmul(qh, kh.transpose(-2, -1)) * (1.0 / math.sqrt(dh))
    return torch.matmul(torch.softmax(scores, -1), vh).transpose(1, 2).reshape(b, lq, w)


class TransformerBlock(nn.Module):  # blocks.cpp (groups = 1)
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, 4 * width)
        self.fc2 = nn.Linear(4 * width, width)

    def forward(self, x):
        q, k, v = self.qkv(self.norm1(x)).chunk(3, -1)
        x = x + self.proj(attend(q, k, v, self.heads))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb_dim, dropout):
        super().__init__()
        self.norm1 = group_norm(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.affine = nn.Linear(emb_dim, 2 * cout)
        self.norm2 = group_norm(cout)
        self.drop = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.affine(emb)[:, :, None, None].chunk(2, 1)
        h = F.silu(torch.addcmul(shift, self.norm2(h), scale + 1))
        h = self.conv2(self.drop(h))
        return (self.skip(x) if self.skip is not None else x) + h


class SelfAttention(nn.Module):
    def __init__(self, ch, heads):
        super().__init__()
        self.heads = heads
        self.norm = group_norm(ch)
        self.qkv = nn.Linear(ch, 3 * ch)
        self.proj = nn.Linear(ch, ch)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x).flatten(2).transpose(1, 2)).chunk(3, -1)
        return x + self.proj(attend(q, k, v, self.heads)).transpose(1, 2).reshape(b, c, h, w)


class CrossAttention(nn.Module):
    def __init__(self, ch, token_width, heads):
        super().__init__()
        self.heads = heads
        self.norm = group_norm(ch)
        self.q = nn.Linear(ch, ch)
        self.kv = nn.Linear(token_width, 2 * ch)
        self.proj = nn.Linear(ch, ch)

    def forward(self, x, tokens):
        b, c, h, w = x.shape
        queries = self.q(self.norm(x).flatten(2).transpose(1, 2))
        k, v = self.kv(tokens).chunk(2, -1)
        return x + self.proj(attend(queries, k, v, self.heads)).transpose(1, 2).reshape(b, c, h, w)


class LatentEmbedding(nn.Module):  # core/src/latent_embedding.cpp
    def __init__(self, m, k, dim):
        super().__init__()
        self.codebook = nn.Parameter(torch.randn(m, k, dim))
        self.null = nn.Parameter(torch.randn(m, dim))

    def forward(self, codes, dropped):
        e = torch.einsum("bmk,mkd->bmd", codes, self.codebook)
        return torch.where(dropped.reshape(-1, 1, 1), self.null.unsqueeze(0).expand_as(e), e)


class UNet(nn.Module):
    """domains/image/src/unet.cpp with latent_groups = 1; layer list built in the same order."""

    def __init__(self, c):
        super().__init__()
        ch0, mult, heads = c["channels"], c["channel_mult"], c["heads"]
        self.sigma_data, self.m, self.heads = c["sigma_data"], c["m"], heads
        levels, emb_dim = len(mult), 4 * ch0
        self.register_buffer("fourier", torch.exp(torch.linspace(0.0, math.log(64.0), ch0 // 2)))
        self.noise_mlp = nn.Sequential(nn.Linear(ch0, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.class_embedding = nn.Embedding(c["num_classes"], emb_dim) if c["num_classes"] > 0 else None
        self.stem = nn.Conv2d(c["in_channels"], ch0, 3, padding=1)
        self.res, self.self_attn, self.cross_attn = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        self.down, self.up = nn.ModuleList(), nn.ModuleList()
        self.layers = []  # (kind, module index, push_skip, pop_skip)

        def add(kind, lst, module, pop=False):
            lst.append(module)
            self.layers.append([kind, len(lst) - 1, False, pop])

        def attention(ch):
            add("self", self.self_attn, SelfAttention(ch, heads))
            if self.m > 0:
                add("cross", self.cross_attn, CrossAttention(ch, c["latent_width"], heads))

        skips, ch, res = [ch0], ch0, c["resolution"]
        for i in range(levels):
            out = ch0 * mult[i]
            for _ in range(c["blocks"]):
                add("res", self.res, ResBlock(ch, out, emb_dim, c["dropout"]))
                ch = out
                if res in c["attn_resolutions"]:
                    attention(ch)
                self.layers[-1][2] = True
                skips.append(ch)
            if i + 1 < levels:
                add("down", self.down, nn.Conv2d(ch, ch, 3, stride=2, padding=1))
                self.layers[-1][2] = True
                skips.append(ch)
                res //= 2
        add("res", self.res, ResBlock(ch, ch, emb_dim, c["dropout"]))
        attention(ch)
        add("res", self.res, ResBlock(ch, ch, emb_dim, c["dropout"]))
        for i in reversed(range(levels)):
            out = ch0 * mult[i]
            for _ in range(c["blocks"] + 1):
                add("res", self.res, ResBlock(ch + skips.pop(), out, emb_dim, c["dropout"]), pop=True)
                ch = out
                if res in c["attn_resolutions"]:
                    attention(ch)
            if i > 0:
                add("up", self.up, nn.Conv2d(ch, ch, 3, padding=1))
                res *= 2
        self.out = nn.Sequential(group_norm(ch), nn.SiLU(), nn.Conv2d(ch, c["in_channels"], 3, padding=1))
        if self.m > 0:
            self.embedding = LatentEmbedding(self.m, c["k"], c["latent_width"])
            self.token_position = nn.Parameter(torch.randn(self.m, c["latent_width"]) * 0.02)
            self.token_transformer = nn.ModuleList(
                TransformerBlock(c["latent_width"], heads) for _ in range(c["latent_layers"]))

    def raw(self, x, c_noise, labels, codes, dropped):
        angles = c_noise.to(x.dtype).unsqueeze(1) * self.fourier
        emb = self.noise_mlp(torch.cat([angles.sin(), angles.cos()], 1))
        if self.class_embedding is not None:
            emb = emb + self.class_embedding(labels)
        emb = F.silu(emb)
        tokens = None
        if self.m > 0:
            tokens = self.embedding(codes, dropped) + self.token_position.unsqueeze(0)
            for block in self.token_transformer:
                tokens = block(tokens)
        h = self.stem(x)
        skips = [h]
        for kind, i, push, pop in self.layers:
            if kind == "res":
                if pop:
                    h = torch.cat([h, skips.pop()], 1)
                h = self.res[i](h, emb)
            elif kind == "self":
                h = self.self_attn[i](h)
            elif kind == "cross":
                h = self.cross_attn[i](h, tokens)
            elif kind == "down":
                h = self.down[i](h)
            else:
                h = self.up[i](F.interpolate(h, scale_factor=2, mode="nearest"))
            if push:
                skips.append(h)
        return self.out(h)

    def denoise(self, x, sigma, labels, codes, dropped):  # EDM preconditioning (core/src/edm.cpp)
        s = sigma.to(x.dtype).reshape(-1, 1, 1, 1)
        sd2 = self.sigma_data ** 2
        c_in = (s * s + sd2).rsqrt()
        f = self.raw(c_in * x, sigma.to(x.dtype).log() / 4, labels, codes, dropped)
        return sd2 / (s * s + sd2) * x + s * self.sigma_data / (s * s + sd2).sqrt() * f


class ViTEncoder(nn.Module):  # domains/image/src/vit.cpp (logit_norm = false)
    def __init__(self, c):
        super().__init__()
        self.c = c
        side = c["resolution"] // c["patch"]
        self.patch_embed = nn.Linear(c["in_channels"] * c["patch"] ** 2, c["width"])
        self.extra_tokens = nn.Parameter(torch.randn(c["m"], c["width"]) * 0.02)
        self.position = nn.Parameter(torch.randn(side * side, c["width"]) * 0.02)
        self.blocks = nn.ModuleList(TransformerBlock(c["width"], c["heads"]) for _ in range(c["layers"]))
        self.norm = nn.LayerNorm(c["width"])
        self.head = nn.Linear(c["width"], c["k"])
        with torch.no_grad():
            self.head.weight.mul_(c["init_scale"])
            self.head.bias.zero_()

    def forward(self, images):
        b, ch, p = images.shape[0], images.shape[1], self.c["patch"]
        side = self.c["resolution"] // p
        patches = images.reshape(b, ch, side, p, side, p).permute(0, 2, 4, 1, 3, 5).reshape(b, side * side, ch * p * p)
        tokens = self.patch_embed(patches) + self.position.unsqueeze(0)
        h = torch.cat([self.extra_tokens.unsqueeze(0).expand(b, -1, -1), tokens], 1)
        for block in self.blocks:
            h = block(h)
        return self.head(self.norm(h[:, :self.c["m"]]))


class CausalBlock(TransformerBlock):  # core/src/prior/ar_prior.cpp (dropout 0): the same layers, masked attention
    def forward(self, x):
        b, l, w = x.shape
        dh = w // self.heads
        q, k, v = self.qkv(self.norm1(x)).reshape(b, l, 3, self.heads, dh).permute(2, 0, 3, 1, 4)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(dh)
        causal = torch.ones(l, l, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(causal, float("-inf"))
        out = torch.matmul(torch.softmax(scores, -1), v).transpose(1, 2).reshape(b, l, w)
        x = x + self.proj(out)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ArPrior(nn.Module):
    def __init__(self, m, k, layers, heads, width, num_classes):
        super().__init__()
        self.m, self.k, self.width = m, k, width
        self.token_embedding = nn.Embedding(k, width)
        self.class_embedding = nn.Embedding(num_classes, width) if num_classes > 0 else None
        self.start_token = nn.Parameter(torch.randn(width) * 0.02)
        self.position_embedding = nn.Parameter(torch.randn(m, width) * 0.02)
        self.blocks = nn.ModuleList(CausalBlock(width, heads) for _ in range(layers))
        self.final_norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, k)

    def logits(self, labels, z_prefix, n):
        start = self.start_token.reshape(1, 1, -1).expand(n, 1, self.width)
        if self.class_embedding is not None:
            start = start + self.class_embedding(labels).unsqueeze(1)
        h = start if z_prefix.shape[1] == 0 else torch.cat([start, self.token_embedding(z_prefix)], 1)
        h = h + self.position_embedding[:h.shape[1]].unsqueeze(0)
        for block in self.blocks:
            h = block(h)
        return self.head(self.final_norm(h))

    def sample(self, labels, n, temperature, gen):
        z = torch.empty(n, 0, dtype=torch.long)
        for i in range(self.m):
            lg = self.logits(labels, z, n)[:, i]
            nxt = lg.argmax(-1, keepdim=True) if temperature <= 0 else torch.multinomial(
                torch.softmax(lg / temperature, -1), 1, False, generator=gen)
            z = torch.cat([z, nxt], 1)
        return z


def load_config(path):
    """The example's TOML with the schema defaults disco fills in for the keys it leaves out."""
    try:
        with open(path, "rb") as f:
            t = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise SystemExit(f"error: cannot read config file '{path}': {e}")
    model, latent, data = t.get("model", {}), t.get("latent", {}), t.get("data", {})
    diffusion, train, prior, sample = (t.get(k, {}) for k in ("diffusion", "train", "prior", "sample"))
    if data.get("name", "fashion_mnist") != "fashion_mnist" or model.get("latent_groups", 1) != 1 \
            or model.get("encoder_logit_norm", False) or data.get("resolution", 28) != 28:
        raise SystemExit(f"error: image_reference.py mirrors only Fashion-MNIST at 28 px, latent_groups = 1, "
                         f"plain logits ({path})")
    m, k = latent.get("m", 0), latent.get("k", 1)
    classes = 10 if data.get("conditional", True) else 0
    return {
        "seed": t.get("seed", 0),
        "unet": {"in_channels": 1, "resolution": 28, "channels": model.get("channels", 16),
                 "channel_mult": model.get("channel_mult", [1, 2]), "blocks": model.get("blocks", 1),
                 "attn_resolutions": model.get("attn_resolutions", [14]), "heads": model.get("heads", 2),
                 "dropout": model.get("dropout", 0.0), "num_classes": classes, "m": m, "k": k,
                 "latent_width": model.get("latent_width", 32), "latent_layers": model.get("latent_layers", 1),
                 "sigma_data": diffusion.get("sigma_data", 0.5)},
        "encoder": {"in_channels": 1, "resolution": 28, "m": m, "k": k, "width": model.get("encoder_width", 32),
                    "layers": model.get("encoder_layers", 1), "heads": model.get("encoder_heads", 2),
                    "patch": model.get("encoder_patch", 7), "init_scale": model.get("encoder_init_scale", 1.0)},
        "prior": {"m": m, "k": k, "layers": prior.get("layers", 2), "heads": prior.get("heads", 4),
                  "width": prior.get("width", 128), "num_classes": classes},
        "lr": train.get("lr", 1e-3), "encoder_lr": train.get("encoder_lr", 1e-3),
        "ema_decay": train.get("ema_decay", 0.999), "grad_clip": train.get("grad_clip", 1.0),
        "tau": latent.get("tau", 1.0), "p_null": latent.get("p_null", 0.1), "hard": latent.get("hard", False),
        "p_mean": diffusion.get("p_mean", -1.2), "p_std": diffusion.get("p_std", 1.2),
        "sigma_min": diffusion.get("sigma_min", 0.002), "sigma_max": diffusion.get("sigma_max", 80.0),
        "rho": sample.get("rho", 7.0), "cfg": sample.get("cfg", 1.0),
        "temperature": sample.get("prior_temperature", 1.0), "classes": classes, "m": m, "k": k,
        "data_path": data.get("path", "") or "/usr/share/datasets/fashion-mnist",
    }


def read_idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def to_channels_last(module):
    with torch.no_grad():
        for p in module.parameters():
            if p.dim() == 4:
                p.data = p.data.contiguous(memory_format=torch.channels_last)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--workload", default="all", choices=["train", "sample", "roofline", "all"])
    ap.add_argument("--config", default="examples/image/fashion_mnist.toml")
    ap.add_argument("--train-steps", type=int, default=5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--sample-n", type=int, default=64)
    ap.add_argument("--sample-steps", type=int, default=18)
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--json", action="store_true")
    o = ap.parse_args()
    if min(o.threads, o.repeats, o.train_steps, o.batch, o.sample_n, o.sample_steps) < 1 or o.warmup < 0:
        raise SystemExit("error: counts must be >= 1 and --warmup >= 0")
    torch.set_num_threads(o.threads)
    c = load_config(o.config)
    if c["m"] < 1:
        raise SystemExit(f"error: {o.config}: the benchmark needs latent.m > 0")
    torch.manual_seed(c["seed"])
    unet, encoder = UNet(c["unet"]), ViTEncoder(c["encoder"])
    ema = UNet(c["unet"])
    ema.load_state_dict(unet.state_dict())
    ema.eval()
    p = c["prior"]
    prior = ArPrior(p["m"], p["k"], p["layers"], p["heads"], p["width"], p["num_classes"])
    if o.channels_last:
        to_channels_last(unet)
        to_channels_last(ema)
    count = lambda mod: sum(t.numel() for t in mod.parameters())
    shapes = lambda mod: {n: list(t.shape) for n, t in mod.named_parameters()}
    all_ = o.workload == "all"
    out = {**header({"denoiser": count(unet), "encoder": count(encoder), "prior": count(prior)}),
           "channels_last": o.channels_last, "workloads": {}}

    if all_ or o.workload == "train":
        images = read_idx(os.path.join(c["data_path"], "train-images-idx3-ubyte.gz"), 16)
        labels_all = torch.from_numpy(read_idx(os.path.join(c["data_path"], "train-labels-idx1-ubyte.gz"), 8)
                                      .astype(np.int64))
        images = torch.from_numpy(images.copy()).reshape(-1, 1, 28, 28)
        gen = torch.Generator().manual_seed(c["seed"])
        opt = torch.optim.Adam([{"params": unet.parameters(), "lr": c["lr"]},
                                {"params": encoder.parameters(), "lr": c["encoder_lr"]}], lr=c["lr"])
        params = list(unet.parameters()) + list(encoder.parameters())
        ema_params, unet_params = list(ema.parameters()), list(unet.parameters())
        unet.train()
        encoder.train()
        step, last_loss = 0, float("nan")
        sd = c["unet"]["sigma_data"]

        def train_repeat():
            nonlocal step, last_loss
            for _ in range(o.train_steps):
                idx = torch.randint(images.shape[0], (o.batch,), generator=gen)
                x = images.index_select(0, idx).float().div(127.5).sub(1.0)
                labels = labels_all.index_select(0, idx)
                sigma = (torch.randn(o.batch, generator=gen) * c["p_std"] + c["p_mean"]).exp()
                noisy = x + sigma.reshape(-1, 1, 1, 1) * torch.randn(x.shape, generator=gen)
                logits = encoder(x)
                u = torch.rand(logits.shape, generator=gen).clamp(1e-10, 1.0 - 1e-7)
                codes = torch.softmax((logits - (-u.log()).log()) / c["tau"], -1)
                if c["hard"]:
                    codes = F.one_hot(codes.argmax(-1), c["k"]).float() - codes.detach() + codes
                dropped = torch.rand(o.batch, generator=gen) < c["p_null"]
                pred = unet.denoise(noisy, sigma, labels, codes, dropped)
                weight = (sigma * sigma + sd * sd) / (sigma * sd) ** 2
                loss = (weight * (pred - x).pow(2).reshape(o.batch, -1).mean(1)).mean()
                loss_value = loss.item()
                opt.zero_grad()
                if not math.isfinite(loss_value):
                    raise SystemExit("error: benchmark training diverged (loss not finite)")
                loss.backward()
                norm = torch.nn.utils.clip_grad_norm_(params, c["grad_clip"] if c["grad_clip"] > 0 else 1e30)
                if not math.isfinite(float(norm)):
                    raise SystemExit("error: benchmark training diverged (gradient not finite)")
                opt.step()
                decay = min(c["ema_decay"], (1.0 + step) / (10.0 + step))
                with torch.no_grad():
                    for pe, pm in zip(ema_params, unet_params):
                        pe.mul_(decay).add_(pm.detach(), alpha=1.0 - decay)
                step += 1
                last_loss = loss_value

        wall, cpu = timed(o.warmup, o.repeats, train_repeat)
        times = [s / o.train_steps for s in wall]
        cpu = [s / o.train_steps for s in cpu]
        out["workloads"]["train"] = {"batch": o.batch, "steps_per_repeat": o.train_steps, "warmup": o.warmup,
                                     "last_loss": last_loss, "seconds_per_step": times, "cpu_seconds_per_step": cpu}

    if all_ or o.workload == "sample":
        prior.eval()
        t = edm_time_steps(o.sample_steps, c["sigma_min"], c["sigma_max"], c["rho"])
        prior_times, nfe, mean = [], 0, float("nan")

        def sample_repeat():
            nonlocal nfe, mean
            with torch.inference_mode():
                torch.manual_seed(c["seed"])
                gen = torch.Generator().manual_seed(c["seed"])
                labels = torch.arange(o.sample_n) % c["classes"] if c["classes"] > 0 else None
                tp = time.perf_counter()
                z = prior.sample(labels, o.sample_n, c["temperature"], gen)
                prior_times.append(time.perf_counter() - tp)
                codes = F.one_hot(z, c["k"]).float()
                dropped = torch.zeros(o.sample_n, dtype=torch.bool)
                nfe = 0

                def denoise(x, s):
                    nonlocal nfe
                    nfe += 1
                    return ema.denoise(x, torch.full((x.shape[0],), s), labels, codes, dropped)

                x = heun(denoise, torch.randn((o.sample_n, 1, 28, 28), generator=gen) * c["sigma_max"], t)
                if not bool(x.isfinite().all()):
                    raise SystemExit("error: benchmark sampling produced a non-finite result")
                mean = x.double().mean().item()

        times, cpu = timed(o.warmup, o.repeats, sample_repeat)
        prior_times = prior_times[o.warmup:]
        out["workloads"]["sample"] = {"n": o.sample_n, "steps": o.sample_steps, "nfe": nfe, "warmup": o.warmup,
                                      "mean": mean, "seconds": times, "cpu_seconds": cpu,
                                      "prior_seconds": prior_times}

    if all_ or o.workload == "roofline":
        gen = torch.Generator().manual_seed(7)
        with torch.inference_mode():
            labels = torch.arange(o.sample_n) % c["classes"] if c["classes"] > 0 else None
            x = torch.randn((o.sample_n, 1, 28, 28), generator=gen)
            if o.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            sigma = torch.ones(o.sample_n)
            codes = F.one_hot(torch.randint(c["k"], (o.sample_n, c["m"]), generator=gen), c["k"]).float()
            dropped = torch.zeros(o.sample_n, dtype=torch.bool)
            fwd, _ = timed(o.warmup, 3 * o.repeats, lambda: ema.denoise(x, sigma, labels, codes, dropped))
            # FLOPs of one forward, counted by the profiler (conv2d, mm/addmm/bmm, mul, add); the same
            # architecture on both sides, so the count serves the C++ forward too.
            with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], with_flops=True) as prof:
                ema.denoise(x, sigma, labels, codes, dropped)
            flops = sum(e.flops for e in prof.events() if e.flops)
            matmul_flops = sum(e.flops for e in prof.events()
                               if e.flops and e.name in ("aten::conv2d", "aten::mm", "aten::addmm", "aten::bmm"))
            a, b = torch.randn(1024, 1024, generator=gen), torch.randn(1024, 1024, generator=gen)
            mm, _ = timed(2, 5, lambda: torch.mm(a, b))
        out["workloads"]["roofline"] = {"batch": o.sample_n, "forward_seconds": fwd, "mm_n": 1024, "mm_seconds": mm,
                                        "forward_flops": flops, "forward_matmul_flops": matmul_flops}

    out["peak_rss_kb"] = peak_rss_kb()
    out["param_shapes"] = {"denoiser": shapes(unet), "encoder": shapes(encoder), "prior": shapes(prior)}
    if o.json:
        print(json.dumps(out))
        return
    pc = out["param_count"]
    print(f"python image ({o.config}): denoiser {pc['denoiser']:,}, encoder {pc['encoder']:,}, prior "
          f"{pc['prior']:,} parameters; torch {torch.__version__}, {torch.get_num_threads()} threads")
    w = out["workloads"]
    if "train" in w:
        print(f"train step (batch {o.batch}): median {1e3 * statistics.median(w['train']['seconds_per_step']):.1f} ms")
    if "sample" in w:
        s = w["sample"]
        print(f"sample {o.sample_n} images, heun {o.sample_steps} steps ({s['nfe']} NFE): median "
              f"{statistics.median(s['seconds']):.3f} s, AR prior {statistics.median(s['prior_seconds']):.4f} s")
    if "roofline" in w:
        r = w["roofline"]
        print(f"U-Net forward (batch {o.sample_n}): median {1e3 * statistics.median(r['forward_seconds']):.1f} ms, "
              f"{r['forward_flops'] / 1e9:.3f} GFLOP counted; 1024^3 sgemm best "
              f"{2 * 1024 ** 3 / min(r['mm_seconds']) / 1e9:.1f} GFLOP/s")
    print(f"peak RSS {out['peak_rss_kb'] / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
