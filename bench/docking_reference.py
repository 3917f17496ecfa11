#!/usr/bin/python3
"""The docking benchmark's Python side: disco's DisCo-DiffDock score network, AR prior and 40 x 20 pose sampler,
written in PyTorch-Python (bench/README.md, "Docking").

It runs on what `disco_bench_docking --export FILE` writes: the packed example of one complex, the settings,
every weight (by disco's parameter names), the Clebsch-Gordan tables and the IGSO(3) score-norm table (constants,
as DiffDock ships its own), and disco's outputs for the parity check. What it mirrors, op for op where it matters
for the numbers:
  domains/docking/equivariant/  irreps.cpp, spherical_harmonics.cpp, radial_embedding.cpp, gate.cpp,
                                equivariant_norm.cpp, tensor_product.cpp, tensor_product_conv.cpp, score_model.cpp
  domains/docking/diffusion/    pose_sampler_step.cpp, wrapped_normal.cpp, igso3.cpp (score_norm),
                                pose_diffusion.cpp (scores), pose_update.cpp (apply_pose_update)
  domains/docking/model/        joint_graph.cpp, docking_networks.cpp, pose_sampler.cpp
  domains/docking/chem/         torsion.cpp (torsion changes), geometry.cpp (Kabsch: here by SVD)
The per-pose work disco does in C++ loops (rigid motion, torsion rotations, superposition) is vectorised over the
poses here with torch ops in float64.

Workloads (as disco_bench_docking): dock (40 samples x 20 steps, from the loaded example) and forward (the score
network alone on the 40-pose graph at t = 0.5). --check compares with disco's exported outputs first.
"""
import argparse
import json
import math
import os
import re
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_common import header, peak_rss_kb, timed  # noqa: E402

# ---------------------------------------------------------------------------------------------------- irreps


class Irreps:
    """A list of (mul, l, parity) blocks, parity +1 (e) or -1 (o), as equivariant/irreps.h."""

    def __init__(self, blocks):
        self.blocks = [b for b in blocks if b[0] > 0]

    @staticmethod
    def parse(text):
        blocks = []
        for term in text.split("+"):
            m = re.fullmatch(r"\s*(?:(\d+)x)?(\d+)([eo])\s*", term)
            if not m:
                raise ValueError(f'irreps "{text}": bad term "{term}"')
            blocks.append((int(m.group(1) or 1), int(m.group(2)), 1 if m.group(3) == "e" else -1))
        return Irreps(blocks)

    @staticmethod
    def spherical_harmonics(lmax):
        return Irreps([(1, l, 1 if l % 2 == 0 else -1) for l in range(lmax + 1)])

    def __add__(self, other):
        return Irreps(self.blocks + other.blocks)

    def __len__(self):
        return len(self.blocks)

    def __getitem__(self, i):
        return self.blocks[i]

    @staticmethod
    def block_dim(b):
        return b[0] * (2 * b[1] + 1)

    def dim(self):
        return sum(self.block_dim(b) for b in self.blocks)

    def offset(self, i):
        return sum(self.block_dim(b) for b in self.blocks[:i])

    def count(self, l, p):
        return sum(b[0] for b in self.blocks if b[1] == l and b[2] == p)


def can_couple(a, b, out):
    return abs(a[1] - b[1]) <= out[1] <= a[1] + b[1] and out[2] == a[2] * b[2]


def spherical_harmonics(vectors, lmax, normalize=True):
    v = vectors / vectors.norm(2, -1, True).clamp_min(1e-12) if normalize else vectors
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    parts = [torch.ones_like(x)]
    if lmax >= 1:
        s3 = math.sqrt(3.0)
        parts += [s3 * x, s3 * y, s3 * z]
    if lmax >= 2:
        s15, s5 = math.sqrt(15.0), math.sqrt(5.0)
        parts += [s15 * x * y, s15 * y * z, (s5 / 2.0) * (3.0 * z * z - 1.0), s15 * x * z, (s15 / 2.0) * (x * x - y * y)]
    return torch.stack(parts, -1)


def gaussian_distance_embedding(distances, max_distance, count):
    mu = torch.linspace(0.0, max_distance, count, dtype=distances.dtype)
    delta = max_distance / (count - 1) if count > 1 else max_distance
    diff = distances.unsqueeze(-1) - mu
    return torch.exp(-0.5 * diff * diff / (delta * delta))


def sinusoidal_embedding(t, dim, scale=1000.0):
    half = dim // 2
    k = torch.arange(half, dtype=t.dtype)
    freq = torch.exp(-math.log(10000.0) * k / max(half - 1, 1))
    arg = (t * scale).unsqueeze(-1) * freq
    emb = torch.cat([torch.sin(arg), torch.cos(arg)], -1)
    if dim % 2 == 1:
        emb = torch.cat([emb, torch.zeros(t.shape[0], 1, dtype=t.dtype)], -1)
    return emb


def gated_irreps(features):
    n = sum(b[0] for b in features.blocks if b[1] > 0)
    return features if n == 0 else features + Irreps([(n, 0, 1)])


def gate(x, features):
    n_gates = sum(b[0] for b in features.blocks if b[1] > 0)
    gates = torch.sigmoid(x.narrow(-1, features.dim(), n_gates))
    out, g = [], 0
    for i, b in enumerate(features.blocks):
        block = x.narrow(-1, features.offset(i), Irreps.block_dim(b))
        if b[1] == 0:
            out.append(F.silu(block) if b[2] > 0 else torch.tanh(block))
        else:
            shape = list(block.shape[:-1]) + [b[0], 2 * b[1] + 1]
            out.append((block.reshape(shape) * gates.narrow(-1, g, b[0]).unsqueeze(-1)).flatten(-2))
            g += b[0]
    return torch.cat(out, -1)


def pad_irreps(h, frm, to):
    from_blocks = {}
    for i, b in enumerate(frm.blocks):
        from_blocks.setdefault((b[1], b[2]), []).append(i)
    used, parts, n = {}, [], h.shape[0]
    for b in to.blocks:
        key = (b[1], b[2])
        k = used.get(key, 0)
        used[key] = k + 1
        if key not in from_blocks or k >= len(from_blocks[key]):
            parts.append(torch.zeros(n, Irreps.block_dim(b), dtype=h.dtype))
            continue
        a = from_blocks[key][k]
        d = 2 * b[1] + 1
        mul = min(frm[a][0], b[0])
        block = h.narrow(1, frm.offset(a), mul * d)
        if mul < b[0]:
            block = torch.cat([block, torch.zeros(n, (b[0] - mul) * d, dtype=h.dtype)], 1)
        parts.append(block)
    return torch.cat(parts, 1)


def even_scalars(h, irreps):
    parts = [h.narrow(1, irreps.offset(i), b[0]) for i, b in enumerate(irreps.blocks) if b[1] == 0 and b[2] == 1]
    return torch.cat(parts, 1) if parts else torch.zeros(h.shape[0], 0, dtype=h.dtype)


# ---------------------------------------------------------------------------------------------------- modules


def mlp(i, hidden, o, bias=True):
    return torch.nn.Sequential(torch.nn.Linear(i, hidden, bias=bias), torch.nn.SiLU(), torch.nn.Linear(hidden, o, bias=bias))


class EquivariantNorm(torch.nn.Module):
    def __init__(self, irreps):
        super().__init__()
        self.irreps = irreps
        for i, b in enumerate(irreps.blocks):
            self.register_parameter(f"gamma{i}", torch.nn.Parameter(torch.ones(b[0])))
            if b[1] == 0 and b[2] == 1:
                self.register_parameter(f"beta{i}", torch.nn.Parameter(torch.zeros(b[0])))

    def forward(self, x):
        n, out = x.shape[0], []
        for i, b in enumerate(self.irreps.blocks):
            block = x.narrow(1, self.irreps.offset(i), Irreps.block_dim(b)).reshape(n, b[0], 2 * b[1] + 1)
            gamma = getattr(self, f"gamma{i}").view(1, b[0], 1)
            if b[1] == 0 and b[2] == 1:
                centred = block - block.mean(1, True)
                y = centred / torch.sqrt(centred.pow(2).mean(1, True) + 1e-8) * gamma + getattr(self, f"beta{i}").view(1, b[0], 1)
            else:
                y = block / torch.sqrt(block.pow(2).mean((1, 2), True) + 1e-8) * gamma
            out.append(y.reshape(n, Irreps.block_dim(b)))
        return torch.cat(out, 1)


class WeightedTensorProduct(torch.nn.Module):
    def __init__(self, irreps_in, attr, out, cg):
        super().__init__()
        self.irreps_in, self.attr, self.out = irreps_in, attr, out
        self.paths, self.coefficients, self.out_scale, self.weight_numel = [], [], [], 0
        for o, bo in enumerate(out.blocks):
            fan_in = 0
            for a, ba in enumerate(irreps_in.blocks):
                for b, bb in enumerate(attr.blocks):
                    if not can_couple(ba, bb, bo):
                        continue
                    self.paths.append((a, b, o, self.weight_numel))
                    self.weight_numel += ba[0] * bo[0]
                    fan_in += ba[0]
                    self.coefficients.append(cg[f"{ba[1]}_{bb[1]}_{bo[1]}"].float().reshape(-1, 2 * bo[1] + 1))
            self.out_scale.append(1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0)

    def forward(self, x, attr, weights):
        E = x.shape[0]
        outer = {}

        def outer_of(a, b):
            if (a, b) not in outer:
                ba, bb = self.irreps_in[a], self.attr[b]
                d1, d2 = 2 * ba[1] + 1, 2 * bb[1] + 1
                xa = x.narrow(1, self.irreps_in.offset(a), Irreps.block_dim(ba)).reshape(E, ba[0], d1, 1)
                yb = attr.narrow(1, self.attr.offset(b), d2).reshape(E, 1, 1, d2)
                outer[(a, b)] = (xa * yb).reshape(E * ba[0], d1 * d2)
            return outer[(a, b)]

        flat, p = [], 0
        for o, bo in enumerate(self.out.blocks):
            mul_o, d3 = bo[0], 2 * bo[1] + 1
            terms, fan_in = [], 0
            first_weight = self.paths[p][3] if p < len(self.paths) else 0
            while p < len(self.paths) and self.paths[p][2] == o:
                a, b = self.paths[p][0], self.paths[p][1]
                mul_a = self.irreps_in[a][0]
                terms.append(outer_of(a, b).mm(self.coefficients[p]).view(E, mul_a, d3))
                fan_in += mul_a
                p += 1
            if not terms:
                flat.append(torch.zeros(E, Irreps.block_dim(bo)))
                continue
            T = terms[0] if len(terms) == 1 else torch.cat(terms, 1)
            W = weights.narrow(1, first_weight, fan_in * mul_o).view(E, fan_in, mul_o)
            y = torch.bmm(T.transpose(1, 2), W).view(E, mul_o) if d3 == 1 else torch.bmm(W.transpose(1, 2), T).reshape(E, mul_o * d3)
            flat.append(y * self.out_scale[o])
        return torch.cat(flat, 1)


def couple(a, l1, b, l2, l3, cg):
    return torch.einsum("ei,ej,ijk->ek", a, b, cg[f"{l1}_{l2}_{l3}"].float())


INFERENCE_EDGE_CHUNK = 512  # tensor_product_conv.cpp: per-edge weights a chunk of edges at a time without autograd


class TensorProductConv(torch.nn.Module):
    def __init__(self, irreps_in, attr, out, edge_scalar_dim, mlp_hidden, cg, gated=True, residual=True, normalized=True):
        super().__init__()
        self.irreps_in, self.out, self.gated, self.residual, self.normalized = irreps_in, out, gated, residual, normalized
        tp_out = gated_irreps(out) if gated else out
        self.tp = WeightedTensorProduct(irreps_in, attr, tp_out, cg)
        self.mlp = mlp(edge_scalar_dim, mlp_hidden, self.tp.weight_numel)
        if normalized:
            self.norm = EquivariantNorm(tp_out)

    def forward(self, h, src, dst, num_dst, attr, edge_scalars, h_dst=None):
        E = src.shape[0]
        if torch.is_grad_enabled() or E <= INFERENCE_EDGE_CHUNK:
            messages = self.tp(h.index_select(0, src), attr, self.mlp(edge_scalars))
            total = torch.zeros(num_dst, messages.shape[1]).index_add_(0, dst, messages)
        else:
            total = None
            for start in range(0, E, INFERENCE_EDGE_CHUNK):
                n = min(INFERENCE_EDGE_CHUNK, E - start)
                weights = self.mlp(edge_scalars.narrow(0, start, n))
                messages = self.tp(h.index_select(0, src.narrow(0, start, n)), attr.narrow(0, start, n), weights)
                if total is None:
                    total = torch.zeros(num_dst, messages.shape[1])
                total.index_add_(0, dst.narrow(0, start, n), messages)
        count = torch.zeros(num_dst).index_add_(0, dst, torch.ones(dst.shape[0])).clamp_min(1.0)
        out = total / count.unsqueeze(1)
        if self.normalized:
            out = self.norm(out)
        if self.gated:
            out = gate(out, self.out)
        if self.residual:
            out = out + pad_irreps(h_dst if h_dst is not None else h, self.irreps_in, self.out)
        return out


TORSION_EDGE_ATTR = Irreps.parse("0e + 1o + 2e + 1o + 2o")


class ScoreModel(torch.nn.Module):
    """score_model.cpp: same submodules, same parameter names."""

    def __init__(self, o, cg):
        super().__init__()
        self.o, self.cg = o, cg
        self.hidden = Irreps.parse(o["hidden_irreps"])
        self.sh = Irreps.spherical_harmonics(o["sh_lmax"])
        ns = self.ns = self.hidden.count(0, 1)
        nd, dd = o["noise_embedding_dim"], o["distance_embedding_dim"]
        in_dim = o["node_feature_dim"] + nd
        self.ligand_embedding = torch.nn.Linear(in_dim, ns)
        self.receptor_embedding = torch.nn.Linear(in_dim, ns)
        self.edge_embedding = mlp(dd + 3 + o["edge_feature_dim"] + nd, ns, ns)
        irreps_in = Irreps([(ns, 0, 1)])
        self.layers = []
        for i in range(o["num_layers"]):
            layer = TensorProductConv(irreps_in, self.sh, self.hidden, ns + 2 * irreps_in.count(0, 1), o["mlp_hidden"], cg)
            self.add_module(f"layer{i}", layer)
            self.layers.append(layer)
            irreps_in = self.hidden
        self.center_edge_embedding = mlp(dd + nd, ns, ns)
        self.center_conv = TensorProductConv(self.hidden, self.sh, Irreps.parse("1x1o + 1x1e"), 2 * ns, o["mlp_hidden"], cg,
                                             gated=False, residual=False, normalized=False)
        self.translation_norm = mlp(1 + nd, ns, 1)
        self.rotation_norm = mlp(1 + nd, ns, 1)
        self.torsion_edge_embedding = mlp(dd + nd, ns, ns)
        self.torsion_conv = TensorProductConv(self.hidden, TORSION_EDGE_ATTR, Irreps([(ns, 0, -1)]), 3 * ns, o["mlp_hidden"], cg,
                                              gated=False, residual=False, normalized=False)
        self.torsion_head = torch.nn.Sequential(torch.nn.Linear(ns, ns, bias=False), torch.nn.Tanh(), torch.nn.Linear(ns, 1, bias=False))
        if o["num_latents"] > 0:
            m = o["num_latents"]
            self.latent_head = mlp(ns + nd, ns, m)
            self.latent_flags = torch.nn.Parameter(torch.zeros(m, ns))
            self.latent_null = torch.nn.Parameter(torch.zeros(m, ns))

    def forward(self, g, pose_scores_only=False):
        """pose_scores_only: ScoreOutputsWanted::pose_scores (the last layer only computes messages into ligand atoms)."""
        o, cg = self.o, self.cg
        N, B = g["positions"].shape[0], g["num_graphs"]
        nd, dd = o["noise_embedding_dim"], o["distance_embedding_dim"]
        noise = sinusoidal_embedding(g["noise_level"], nd)
        node_noise = noise.index_select(0, g["node_graph"])
        node_in = torch.cat([g["node_features"], node_noise], 1)
        h = torch.where(g["is_ligand"].unsqueeze(1), self.ligand_embedding(node_in), self.receptor_embedding(node_in))
        if o["num_latents"] > 0 and g.get("latent_node_weights") is not None:
            m = o["num_latents"]
            h = h + g["latent_node_weights"].matmul(self.latent_flags)
            if g.get("latent_dropped") is not None:
                dropped = g["latent_dropped"].float().unsqueeze(1).expand(B, m)
                h = h + dropped.matmul(self.latent_null).index_select(0, g["node_graph"])

        src, dst = g["edge_index"][0], g["edge_index"][1]
        pos = g["positions"]
        vec = pos.index_select(0, dst) - pos.index_select(0, src)
        edge_sh = spherical_harmonics(vec, o["sh_lmax"])
        lig_src, lig_dst = g["is_ligand"].index_select(0, src), g["is_ligand"].index_select(0, dst)
        edge_type = torch.stack([lig_src & lig_dst, ~lig_src & ~lig_dst, lig_src ^ lig_dst], 1).float()
        edge_parts = [gaussian_distance_embedding(vec.norm(2, 1), o["max_edge_distance"], dd), edge_type,
                      noise.index_select(0, g["node_graph"].index_select(0, src))]
        edge_emb = self.edge_embedding(torch.cat(edge_parts, 1))
        for i, layer in enumerate(self.layers):
            s = even_scalars(h, layer.irreps_in)
            if pose_scores_only and i + 1 == len(self.layers):
                e = lig_dst.nonzero().reshape(-1)
                e_src, e_dst = src.index_select(0, e), dst.index_select(0, e)
                edge_scalars = torch.cat([edge_emb.index_select(0, e), s.index_select(0, e_src), s.index_select(0, e_dst)], 1)
                h = layer(h, e_src, e_dst, N, edge_sh.index_select(0, e), edge_scalars)
            else:
                edge_scalars = torch.cat([edge_emb, s.index_select(0, src), s.index_select(0, dst)], 1)
                h = layer(h, src, dst, N, edge_sh, edge_scalars)
        scalars = even_scalars(h, self.hidden)
        out = {}

        lig = g["is_ligand"].nonzero().reshape(-1)
        lig_graph = g["node_graph"].index_select(0, lig)
        lig_pos = pos.index_select(0, lig)
        lig_count = torch.zeros(B).index_add_(0, lig_graph, torch.ones(lig.shape[0]))
        centre = torch.zeros(B, 3).index_add_(0, lig_graph, lig_pos) / lig_count.clamp_min(1.0).unsqueeze(1)
        to_atom = lig_pos - centre.index_select(0, lig_graph)
        center_emb = self.center_edge_embedding(torch.cat(
            [gaussian_distance_embedding(to_atom.norm(2, 1), o["center_max_distance"], dd), noise.index_select(0, lig_graph)], 1))
        center_out = self.center_conv(h, lig, lig_graph, B, spherical_harmonics(to_atom, o["sh_lmax"]),
                                      torch.cat([center_emb, scalars.index_select(0, lig)], 1))

        def rescale(v, norm_mlp):
            n = v.norm(2, 1, True)
            return v / (n + 1e-6) * norm_mlp(torch.cat([n, noise], 1))

        out["translation"] = rescale(center_out.narrow(1, 0, 3), self.translation_norm)
        out["rotation"] = rescale(center_out.narrow(1, 3, 3), self.rotation_norm)

        bonds = g["rotatable_bonds"]
        T = bonds.shape[1]
        if T == 0:
            out["torsion"] = torch.zeros(0)
        else:
            u, v = bonds[0], bonds[1]
            pu, pv = pos.index_select(0, u), pos.index_select(0, v)
            bond_centre = 0.5 * (pu + pv)
            bond_graph = g["node_graph"].index_select(0, u)
            near = (torch.cdist(bond_centre, lig_pos) < o["torsion_radius"]) & (bond_graph.unsqueeze(1) == lig_graph.unsqueeze(0))
            pairs = near.nonzero()
            bond, atom = pairs[:, 0], lig.index_select(0, pairs[:, 1])
            r = pos.index_select(0, atom) - bond_centre.index_select(0, bond)
            y_edge = spherical_harmonics(r, 1)
            y_axis = spherical_harmonics(pv - pu, 2).narrow(1, 4, 5).index_select(0, bond)
            attr = torch.cat([y_edge, couple(y_edge.narrow(1, 0, 1), 0, y_axis, 2, 2, cg),
                              couple(y_edge.narrow(1, 1, 3), 1, y_axis, 2, 1, cg),
                              couple(y_edge.narrow(1, 1, 3), 1, y_axis, 2, 2, cg)], 1)
            bond_scalars = scalars.index_select(0, u) + scalars.index_select(0, v)
            tor_emb = self.torsion_edge_embedding(torch.cat(
                [gaussian_distance_embedding(r.norm(2, 1), o["torsion_radius"], dd),
                 noise.index_select(0, bond_graph.index_select(0, bond))], 1))
            tor_out = self.torsion_conv(h, atom, bond, T, attr,
                                        torch.cat([tor_emb, scalars.index_select(0, atom), bond_scalars.index_select(0, bond)], 1))
            out["torsion"] = self.torsion_head(tor_out).reshape(T)
        if pose_scores_only:
            pass
        elif o["num_latents"] > 0:
            out["latent_logits"] = self.latent_head(torch.cat([scalars, node_noise], 1))
        else:
            out["latent_logits"] = torch.zeros(N, 0)
        return out


# ---------------------------------------------------------------------------------------------------- joint graph


def flatten_joint_graph(batch, lig_pos, t, radii, feature_sizes, num_residue_types):
    """joint_graph.cpp: the padded batch -> the score model's flat joint graph."""
    lig_mask, rec_mask, rec_pos = batch["lig_mask"], batch["rec_mask"], batch["rec_pos"]
    B, L = lig_mask.shape
    R = rec_mask.shape[1]
    n_lig, n_rec = lig_mask.sum(1), rec_mask.sum(1)
    n_all = n_lig + n_rec
    start = n_all.cumsum(0) - n_all
    N = int(n_all.sum())
    lig_node_all = start.unsqueeze(1) + torch.arange(L).unsqueeze(0)
    rec_node_all = (start + n_lig).unsqueeze(1) + torch.arange(R).unsqueeze(0)
    ligand_node = torch.where(lig_mask, lig_node_all, torch.full_like(lig_node_all, -1))
    rec_node = torch.where(rec_mask, rec_node_all, torch.full_like(rec_node_all, -1))
    lig_ids, rec_ids = lig_node_all.masked_select(lig_mask), rec_node_all.masked_select(rec_mask)
    positions = torch.zeros(N, 3)
    positions[lig_ids] = lig_pos.masked_select(lig_mask.unsqueeze(2)).view(-1, 3)
    positions[rec_ids] = rec_pos.masked_select(rec_mask.unsqueeze(2)).view(-1, 3)
    example_all = torch.arange(B).unsqueeze(1)
    node_example = torch.zeros(N, dtype=torch.long)
    node_example[lig_ids] = example_all.expand(B, L).masked_select(lig_mask)
    node_example[rec_ids] = example_all.expand(B, R).masked_select(rec_mask)
    node_local = torch.zeros(N, dtype=torch.long)
    node_local[lig_ids] = torch.arange(L).unsqueeze(0).expand(B, L).masked_select(lig_mask)
    node_local[rec_ids] = (n_lig.unsqueeze(1) + torch.arange(R).unsqueeze(0)).masked_select(rec_mask)
    is_ligand = torch.zeros(N, dtype=torch.bool)
    is_ligand[lig_ids] = True

    width = int(sum(feature_sizes))
    offsets = torch.tensor([0] + list(torch.tensor(feature_sizes).cumsum(0)[:-1].tolist()))
    features = torch.zeros(N, width + num_residue_types)
    lig_cols = batch["lig_feat"].masked_select(lig_mask.unsqueeze(2)).view(-1, len(feature_sizes)) + offsets.unsqueeze(0)
    rec_cols = batch["rec_type"].masked_select(rec_mask) + width
    features[lig_ids.unsqueeze(1).expand_as(lig_cols), lig_cols] = 1.0
    features[rec_ids, rec_cols] = 1.0

    src, dst = [], []
    d = torch.cdist(lig_pos, lig_pos)
    eye = torch.eye(L, dtype=torch.bool).unsqueeze(0)
    pairs = ((d < radii["ligand"]) & lig_mask.unsqueeze(2) & lig_mask.unsqueeze(1) & ~eye).nonzero()
    b = pairs[:, 0]
    src.append(ligand_node[b, pairs[:, 1]])
    dst.append(ligand_node[b, pairs[:, 2]])
    e = batch["rec_edges"]
    pairs = (e[:, :, 0] >= 0).nonzero()
    b, k = pairs[:, 0], pairs[:, 1]
    src.append(rec_node[b, e[b, k, 0]])
    dst.append(rec_node[b, e[b, k, 1]])
    d = torch.cdist(lig_pos, rec_pos)
    pairs = ((d < radii["cross"]) & lig_mask.unsqueeze(2) & rec_mask.unsqueeze(1)).nonzero()
    b = pairs[:, 0]
    a, r = ligand_node[b, pairs[:, 1]], rec_node[b, pairs[:, 2]]
    src += [a, r]
    dst += [r, a]

    tor = batch["tor_bonds"]
    torsion_valid = tor[:, :, 0] >= 0
    tp = torsion_valid.nonzero()
    tb, tt = tp[:, 0], tp[:, 1]
    graph = {"positions": positions, "node_features": features, "is_ligand": is_ligand, "node_graph": node_example,
             "num_graphs": B, "edge_index": torch.stack([torch.cat(src), torch.cat(dst)]),
             "rotatable_bonds": torch.stack([ligand_node[tb, tor[tb, tt, 0]], ligand_node[tb, tor[tb, tt, 1]]]),
             "noise_level": t.float().reshape(B).clamp(0.0, 1.0)}
    return {"graph": graph, "node_example": node_example, "node_local": node_local, "torsion_valid": torsion_valid}


def node_logits_to_codes(g, node_logits, B, k):
    m = node_logits.shape[1]
    keep = (g["node_local"] < k).nonzero().reshape(-1)
    b, local = g["node_example"].index_select(0, keep), g["node_local"].index_select(0, keep)
    logits = torch.full((B, k, m), -1e9)
    logits[b, local] = node_logits.index_select(0, keep)
    mask = torch.zeros(B, k, dtype=torch.bool)
    mask[b, local] = True
    return logits.permute(0, 2, 1).contiguous(), mask.unsqueeze(1).expand(B, m, k).contiguous()


def codes_to_node_weights(g, codes):
    N, m, k = g["node_local"].shape[0], codes.shape[1], codes.shape[2]
    keep = (g["node_local"] < k).nonzero().reshape(-1)
    values = codes.permute(0, 2, 1)[g["node_example"].index_select(0, keep), g["node_local"].index_select(0, keep)]
    out = torch.zeros(N, m)
    out[keep] = values
    return out


# ---------------------------------------------------------------------------------------------------- diffusion


def geometric_sigma(pair, t):
    return pair[0] ** (1.0 - t) * pair[1] ** t


def g_of(pair, t):
    return geometric_sigma(pair, t) * math.sqrt(2.0 * math.log(pair[1] / pair[0]))


def wrapped_normal_score_norm(sigma):
    """wrapped_normal.cpp: E|score|^2 by midpoint quadrature over 2000 points, 21 images."""
    n = 2000
    x = torch.linspace(-math.pi, math.pi, n + 1, dtype=sigma.dtype)[:n] + math.pi / n
    s = sigma.reshape(-1, 1)
    y = x.unsqueeze(0).unsqueeze(-1) + torch.arange(-10, 11, dtype=sigma.dtype) * (2.0 * math.pi)
    log_p = torch.logsumexp(-0.5 * (y / s.unsqueeze(-1)).pow(2), -1) - torch.log(s) - 0.5 * math.log(2.0 * math.pi)
    w = torch.softmax(-0.5 * (y / s.unsqueeze(-1)).pow(2), -1)
    score = -(w * y).sum(-1) / (s * s)
    p = torch.exp(log_p)
    dx = 2.0 * math.pi / n
    return ((p * score * score).sum(1) * dx / (p.sum(1) * dx)).reshape(sigma.shape)


class Igso3Norm:
    """igso3.cpp score_norm: linear interpolation on the log-sigma grid of the exported table."""

    def __init__(self, sigma, norm):
        self.lo, self.hi, self.norm = math.log(float(sigma[0])), math.log(float(sigma[-1])), norm.tolist()

    def __call__(self, sigma):
        out, count = [], len(self.norm)
        for s in sigma.tolist():
            r = min(max((math.log(s) - self.lo) / (self.hi - self.lo) * (count - 1.0), 0.0), count - 1.0)
            i0 = min(int(r), count - 2)
            w = r - i0
            out.append((1 - w) * self.norm[i0] + w * self.norm[i0 + 1])
        return torch.tensor(out, dtype=torch.float64)


class Docking:
    """docking_networks.cpp (denoiser, prior) and pose_sampler.cpp (dock_poses) on one example."""

    def __init__(self, data):
        self.s = json.loads(bytes(data["settings_json"].tolist()).decode())
        cg = {k[3:]: v for k, v in data.items() if k.startswith("cg/")}
        self.example = {k[8:]: v for k, v in data.items() if k.startswith("example/")}
        self.feature_sizes = self.example["atom_feature_sizes"].tolist()
        self.num_residue_types = int(self.example["num_residue_types"][0])
        self.denoiser = ScoreModel(self.s["denoiser"], cg)
        self.prior = ScoreModel(self.s["prior"], cg) if self.s["m"] > 0 else None
        self._load(self.denoiser, data, "denoiser/net.")
        if self.prior is not None:
            self._load(self.prior, data, "prior/net.")
        self.igso3_norm = Igso3Norm(data["igso3/sigma"], data["igso3/score_norm"])
        self.L = int(self.example["lig_mask"].sum())
        self.T = int((self.example["tor_bonds"][0, :, 0] >= 0).sum())

    @staticmethod
    def _load(module, data, prefix):
        state = {k[len(prefix):]: v for k, v in data.items() if k.startswith(prefix)}
        own = dict(module.named_parameters())
        if set(own) != set(state) or any(own[k].shape != state[k].shape for k in own):
            raise SystemExit(f"docking_reference: the network no longer matches disco's ({prefix}): "
                             f"missing {sorted(set(state) - set(own))[:3]}, extra {sorted(set(own) - set(state))[:3]}")
        module.load_state_dict(state, strict=True)

    def param_count(self, module):
        return sum(p.numel() for p in module.parameters()) if module is not None else 0

    def batch(self, poses):
        """pack_examples of n copies with these ligand poses (n, L, 3)."""
        n = poses.shape[0]
        b = {k: self.example[k].expand(n, *self.example[k].shape[1:]) for k in
             ("lig_mask", "lig_feat", "tor_bonds", "tor_mask", "rec_pos", "rec_mask", "rec_type", "rec_edges", "prior_pos")}
        lig = torch.zeros(n, self.example["lig_pos"].shape[1], 3)
        lig[:, :self.L] = poses.float()
        b["lig_pos"] = lig
        return b

    def graph(self, batch, pos, t):
        return flatten_joint_graph(batch, pos, t, self.s["radii"], self.feature_sizes, self.num_residue_types)

    def denoiser_graph(self, batch, t, latents):
        """DockingDenoiser::graph_of for hard latents (n, m) (or None when m = 0)."""
        g = self.graph(batch, batch["lig_pos"], t)
        if self.s["m"] > 0:
            codes = F.one_hot(latents, self.s["k"]).float()
            g["graph"]["latent_node_weights"] = codes_to_node_weights(g, codes)
            g["graph"]["latent_dropped"] = torch.zeros(batch["lig_pos"].shape[0], dtype=torch.bool)
        return g

    def denoise(self, batch, t, latents):
        """DockingDenoiser::denoise: packed scores (n, L_pad, 3) for hard latents (n, m) (or None)."""
        B, Lp = batch["lig_pos"].shape[:2]
        g = self.denoiser_graph(batch, t, latents)
        out = self.denoiser(g["graph"], pose_scores_only=True)
        sch = self.s["schedule"]
        tt = t.float().clamp(0.0, 1.0)
        translation = out["translation"] / geometric_sigma(sch["translation"], tt).unsqueeze(1)
        rot_norm = self.igso3_norm(geometric_sigma(sch["rotation"], tt).double()).float()
        rotation = out["rotation"] * rot_norm.sqrt().unsqueeze(1)
        valid = g["torsion_valid"]
        tor_norm = wrapped_normal_score_norm(geometric_sigma(sch["torsion"], tt).double()).float()
        where = valid.nonzero()
        tb, tt_ = where[:, 0], where[:, 1]
        torsion = torch.zeros(B, valid.shape[1])
        torsion[tb, tt_] = out["torsion"] * tor_norm.sqrt().index_select(0, tb)
        tor = torch.cat([torsion.unsqueeze(2), torch.zeros(B, valid.shape[1], 2)], 2)
        if valid.shape[1] < Lp - 2:
            tor = torch.cat([tor, torch.zeros(B, Lp - 2 - valid.shape[1], 3)], 1)
        return torch.cat([translation.unsqueeze(1), rotation.unsqueeze(1), tor], 1)

    def prior_logits(self, batch, z, j):
        """DockingPrior::logits_of: latent j's masked node logits (n, k) given the nodes z[:, :j] already chosen."""
        n, m, k = z.shape[0], self.s["m"], self.s["k"]
        g = self.graph(batch, batch["prior_pos"], torch.ones(n))
        codes = torch.zeros(n, m, k)
        for i in range(j):
            codes[:, i].scatter_(1, z[:, i].unsqueeze(1), 1.0)
        g["graph"]["latent_node_weights"] = codes_to_node_weights(g, codes)
        logits, mask = node_logits_to_codes(g, self.prior(g["graph"])["latent_logits"], n, k)
        return logits[:, j].masked_fill(~mask[:, j], -1e9)

    def prior_batch(self, n):
        return self.batch(self.example["lig_pos"][0, :self.L].unsqueeze(0).expand(n, self.L, 3))

    def prior_nll(self, z):
        """DockingPrior::nll: -log p(z) per sample, each latent conditioned on the ones before it."""
        batch = self.prior_batch(z.shape[0])
        total = torch.zeros(z.shape[0])
        for j in range(self.s["m"]):
            logp = torch.log_softmax(self.prior_logits(batch, z, j), 1)
            total = total - logp.gather(1, z[:, j:j + 1]).squeeze(1)
        return total

    def sample_latents(self, n, gen, reference=None):
        """DockingPrior::sample at temperature 1, no top-k.

        With `reference` (disco's latents of the same draws, (n, m)), each latent is conditioned on the
        reference's earlier ones, the reference is returned, and every draw is checked instead of compared
        for equality: torch.multinomial (one sample, no replacement) picks argmax_i p_i / q_i with q ~ Exp(1)
        drawn from the generator, so with q replayed from the same generator state, disco's pick must be
        the best of these Gumbel-max scores or within float noise of it (a near-tie, which the sides may
        break differently). The generator advances exactly as without `reference`."""
        m, k = self.s["m"], self.s["k"]
        batch = self.prior_batch(n)
        z = torch.zeros(n, m, dtype=torch.long)
        draws = {"draws": n * m, "identical": 0, "worst_rel_gap": 0.0, "closest_tie": math.inf, "replay_ok": True}
        for j in range(m):
            probs = torch.softmax(self.prior_logits(batch, z, j) / 1.0, 1)
            if reference is None:
                z[:, j] = torch.multinomial(probs, 1, False, generator=gen).squeeze(1)
                continue
            state = gen.get_state()
            q = torch.empty_like(probs).exponential_(1, generator=gen)  # what multinomial draws next
            gen.set_state(state)
            pick = torch.multinomial(probs, 1, False, generator=gen).squeeze(1)
            gumbel = probs / q
            best = gumbel.max(1).values
            chosen = gumbel.gather(1, reference[:, j:j + 1]).squeeze(1)
            top2 = gumbel.topk(min(2, k), 1).values
            draws["replay_ok"] &= bool(torch.equal(pick, gumbel.argmax(1)))
            draws["identical"] += int((pick == reference[:, j]).sum())
            draws["worst_rel_gap"] = max(draws["worst_rel_gap"], float(((best - chosen) / best).max()))
            if k > 1:
                draws["closest_tie"] = min(draws["closest_tie"], float(((top2[:, 0] - top2[:, 1]) / top2[:, 0]).min()))
            z[:, j] = reference[:, j]
        return z, (draws if reference is not None else None)

    # -- pose updates (diffusion/pose_update.cpp apply_pose_update), vectorised over the poses, float64

    @staticmethod
    def rotation_matrices(rotvec):
        angle = rotvec.norm(2, -1, True)
        axis = rotvec / angle.clamp_min(1e-300)
        x, y, z = axis[..., 0], axis[..., 1], axis[..., 2]
        zero = torch.zeros_like(x)
        K = torch.stack([zero, -z, y, z, zero, -x, -y, x, zero], -1).reshape(*rotvec.shape[:-1], 3, 3)
        a = angle.unsqueeze(-1)
        R = torch.eye(3, dtype=rotvec.dtype) + torch.sin(a) * K + (1 - torch.cos(a)) * (K @ K)
        return torch.where(a < 1e-15, torch.eye(3, dtype=rotvec.dtype).expand_as(R), R)

    def apply_pose_update(self, pos, translation, rotation, torsions):
        c = pos.mean(1, True)
        rigid = (pos - c) @ self.rotation_matrices(rotation).transpose(1, 2) + c + translation.unsqueeze(1)
        if self.T == 0:
            return rigid
        flexible = rigid.clone()
        bonds = self.example["tor_bonds"][0, :self.T]
        masks = self.example["tor_mask"][0, :self.T, :self.L]
        for i in range(self.T):
            u, v = int(bonds[i, 0]), int(bonds[i, 1])
            origin = flexible[:, v:v + 1]
            axis = flexible[:, v] - flexible[:, u]
            axis = axis / axis.norm(2, -1, True)
            R = self.rotation_matrices(axis * torsions[:, i:i + 1])
            moved = (flexible - origin) @ R.transpose(1, 2) + origin
            keep = (torsions[:, i] == 0).view(-1, 1, 1) | ~masks[i].view(1, -1, 1)
            flexible = torch.where(keep, flexible, moved)
        # Kabsch: superpose the flexed pose onto the rigidly moved one.
        cm, ct = flexible.mean(1, True), rigid.mean(1, True)
        H = (flexible - cm).transpose(1, 2) @ (rigid - ct)
        U, _, Vh = torch.linalg.svd(H)
        d = torch.sign(torch.linalg.det(Vh.transpose(1, 2) @ U.transpose(1, 2)))
        D = torch.diag_embed(torch.stack([torch.ones_like(d), torch.ones_like(d), d], -1))
        R = Vh.transpose(1, 2) @ D @ U.transpose(1, 2)
        return (flexible - cm) @ R.transpose(1, 2) + ct

    def dock(self, n, steps, seed, latents=None):
        """pose_sampler.cpp dock_poses: the same random draws in the same order from the same generator.

        `latents`: disco's latents in sampling order (n, m), used instead of this side's own draws (which
        are checked against them: sample_latents). Returns the ranked poses, scores and latents, and the
        draw check (None without `latents`)."""
        gen = torch.Generator().manual_seed(seed)
        sch, temps, T = self.s["schedule"], self.s["temperatures"], self.T
        with torch.inference_mode():
            q = torch.randn(n, 4, generator=gen, dtype=torch.float64)
            q = q / q.norm(2, 1, True)
            q = q * torch.where(q[:, 0] < 0, -1.0, 1.0).to(torch.float64).unsqueeze(1)
            v = q[:, 1:]
            sin_half = v.norm(2, 1, True)
            rot0 = v / sin_half.clamp_min(1e-12) * (2.0 * torch.atan2(sin_half, q[:, :1]))
            tor0 = (torch.rand(n, max(T, 1), generator=gen, dtype=torch.float64) * 2 - 1) * math.pi
            tr0 = torch.randn(n, 3, generator=gen, dtype=torch.float64) * sch["translation"][1]
            pos0 = self.example["lig_pos_input"].unsqueeze(0).expand(n, self.L, 3)
            centre = self.example["pocket_centre_input"]
            pos = self.apply_pose_update(pos0, centre - pos0.mean(1) + tr0, rot0, tor0[:, :T])
            latents, draws = self.sample_latents(n, gen, latents) if self.prior is not None else (None, None)
            for step in range(steps):
                t, t_next = 1.0 - step / steps, 1.0 - (step + 1) / steps
                scores = self.denoise(self.batch(pos), torch.full((n,), t), latents).double()
                dt, last = t - t_next, step + 1 == steps
                deltas = []
                for key, score, tau in (("translation", scores[:, 0], temps[0]), ("rotation", scores[:, 1], temps[1]),
                                        ("torsion", scores[:, 2:, 0][:, :T].reshape(-1), temps[2])):
                    g = g_of(sch[key], t)
                    delta = (1.0 + tau) / 2.0 * g * g * dt * score
                    if not last and tau > 0.0:
                        delta = delta + math.sqrt(tau) * g * math.sqrt(dt) * torch.randn(score.shape, generator=gen, dtype=score.dtype)
                    deltas.append(delta)
                pos = self.apply_pose_update(pos, deltas[0], deltas[1], deltas[2].reshape(n, T))
            t_score = 0.05
            p = self.denoise(self.batch(pos), torch.full((n,), t_score), latents).double()
            ts = torch.full((n,), t_score, dtype=torch.float64)
            rot_norm = self.igso3_norm(geometric_sigma(sch["rotation"], ts))
            tor_norm = wrapped_normal_score_norm(geometric_sigma(sch["torsion"], ts))
            score = ((p[:, 0] * geometric_sigma(sch["translation"], ts).unsqueeze(1)).pow(2).sum(1) +
                     p[:, 1].pow(2).sum(1) / rot_norm + p[:, 2:, 0][:, :T].pow(2).sum(1) / tor_norm)
            order = torch.tensor(sorted(range(n), key=lambda i: float(score[i])), dtype=torch.long)
            return pos[order], score[order], (latents[order] if latents is not None else None), draws


# ---------------------------------------------------------------------------------------------------- main


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="the file disco_bench_docking --export wrote")
    p.add_argument("--workload", choices=["dock", "forward", "all", "none"], default="all",
                   help="none: only --check")
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--check", action="store_true", help="compare with disco's exported outputs first (parity)")
    p.add_argument("--json", action="store_true")
    return p.parse_args()


def data_size(d):
    o = d.s["denoiser"]
    return f"{o['num_layers']} layers, {o['hidden_irreps']}, edge MLP {o['mlp_hidden']}"


def main():
    a = parse_args()
    torch.set_num_threads(a.threads)
    data = torch.load(a.data)
    d = Docking(data)
    n = int(data["check/forward_lig_pos"].shape[0])
    steps = d.s["steps"]
    seed = int(data["check/dock_seed"][0])
    result = {**header({"denoiser": d.param_count(d.denoiser), "prior": d.param_count(d.prior)}),
              "size": data_size(d), "complex": "",
              # disco's names: its DockingDenoiser / DockingPrior hold the network as the submodule "net".
              "param_shapes": {"denoiser": {"net." + k: list(v.shape) for k, v in d.denoiser.named_parameters()},
                               "prior": {"net." + k: list(v.shape) for k, v in d.prior.named_parameters()} if d.prior else {}},
              "workloads": {}}
    fwd_pos = data["check/forward_lig_pos"]
    fwd_latents = data["check/forward_latents"] if d.s["m"] > 0 else None
    fwd_t = data["check/forward_t"]
    if a.check:
        with torch.inference_mode():
            scores = d.denoise(d.batch(fwd_pos), fwd_t, fwd_latents)
        ref = data["check/forward_scores"]
        forward_diff = float((scores - ref).abs().max() / ref.abs().max())
        parity = {"forward_max_rel_diff": forward_diff}
        # The prior: disco's draws in sampling order, their log-likelihoods under both sides' priors, and
        # each draw checked against this side's Gumbel-max scores (sample_latents). The dock then runs on
        # disco's latents, so that its poses test the reverse diffusion alone.
        disco_latents = data.get("check/dock_latents_sampled") if d.s["m"] > 0 else None
        if d.s["m"] > 0 and disco_latents is None:
            raise SystemExit(f"docking_reference: {a.data} has no check/dock_latents_sampled: export it again with "
                             "the current disco_bench_docking")
        if disco_latents is not None:
            with torch.inference_mode():
                nll = d.prior_nll(disco_latents).double()
            ref_nll = data["check/prior_nll"]
            parity["prior_nll_max_rel_diff"] = float((nll - ref_nll).abs().max() / ref_nll.abs().max())
        poses, score, latents, draws = d.dock(n, steps, seed, disco_latents)
        if draws is None:  # m = 0: no latents to check
            parity.update({"dock_latent_draws": 0, "dock_latent_draws_identical": 0, "dock_latent_worst_rel_gap": 0.0,
                           "dock_latent_closest_tie": None, "dock_latent_replay_ok": True})
        else:
            parity.update({"dock_latent_draws": draws["draws"], "dock_latent_draws_identical": draws["identical"],
                           "dock_latent_worst_rel_gap": draws["worst_rel_gap"],
                           "dock_latent_closest_tie": draws["closest_tie"] if math.isfinite(draws["closest_tie"]) else None,
                           "dock_latent_replay_ok": draws["replay_ok"]})
        # Poses are compared pose by pose, each of disco's with the one of this side that has its latents
        # and lies nearest (greedily, nearest pairs first), not rank by rank: two nearly equal model scores
        # may rank in either order on the two sides.
        ref_poses, ref_scores = data["check/dock_poses"], data["check/dock_scores"]
        dev = (poses.unsqueeze(1) - ref_poses.unsqueeze(0)).norm(dim=-1).amax(dim=-1)  # (ours, disco's): worst atom
        if latents is not None:
            dev = dev.masked_fill(~(latents.unsqueeze(1) == data["check/dock_latents"].unsqueeze(0)).all(-1), math.inf)
        match = [-1] * n
        used = set()
        for flat in torch.argsort(dev.reshape(-1)).tolist():
            i, r = divmod(flat, n)
            if math.isinf(float(dev[i, r])):
                break
            if match[r] < 0 and i not in used:
                match[r] = i
                used.add(i)
        matched = [r for r in range(n) if match[r] >= 0]
        pose_diff = torch.tensor([float(dev[match[r], r]) for r in matched] or [math.nan], dtype=torch.float64)
        score_rel = torch.tensor([abs(float(score[match[r]] - ref_scores[r])) / abs(float(ref_scores[r])) for r in matched]
                                 or [math.nan])
        parity.update({
            "dock_max_pose_diff_angstrom": float(pose_diff.max()),
            "dock_median_pose_diff_angstrom": float(pose_diff.median()),
            "dock_poses": n,
            "dock_poses_unmatched": n - len(matched),
            "dock_poses_within_1e-3_angstrom": int((pose_diff < 1e-3).sum()),
            "dock_max_score_rel_diff": float(score_rel.max()),
        })
        result["parity"] = parity
    if a.workload in ("forward", "all"):
        with torch.inference_mode():
            g = d.denoiser_graph(d.batch(fwd_pos), fwd_t, fwd_latents)
            wall, cpu = timed(a.warmup, a.repeats, lambda: d.denoiser(g["graph"], pose_scores_only=True))
        result["workloads"]["forward"] = {"graphs": n, "nodes": int(g["graph"]["positions"].shape[0]),
                                          "edges": int(g["graph"]["edge_index"].shape[1]), "warmup": a.warmup,
                                          "seconds": wall, "cpu_seconds": cpu}
    if a.workload in ("dock", "all"):
        best = []
        wall, cpu = timed(a.warmup, a.repeats, lambda: best.append(float(d.dock(n, steps, seed)[1][0])))
        result["workloads"]["dock"] = {"samples": n, "steps": steps, "warmup": a.warmup, "best_score": best[-1],
                                       "seconds": wall, "cpu_seconds": cpu}
    result["peak_rss_kb"] = peak_rss_kb()
    if a.json:
        print(json.dumps(result))
        return
    print(f"python docking: denoiser {result['param_count']['denoiser']}, prior {result['param_count']['prior']} parameters; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    if "parity" in result:
        print("parity with disco:", json.dumps(result["parity"]))
    for name, w in result["workloads"].items():
        print(f"{name}: median {sorted(w['seconds'])[len(w['seconds']) // 2]:.3f} s over {len(w['seconds'])} repeats")
    print(f"peak RSS {result['peak_rss_kb'] / 1024:.1f} MiB")


if __name__ == "__main__":
    sys.exit(main())
