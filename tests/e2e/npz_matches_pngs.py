#!/usr/bin/env python3
"""Checks what `disco sample --out STEM` wrote for external scorers: STEM.npz read by numpy's np.load holds
"arr_0", uint8 [N, H, W, C], equal pixel for pixel to STEM/000000.png ... (exactly N files), and "labels" /
"latents" equal to the columns of STEM.csv when the CSV has them.

Usage: npz_matches_pngs.py STEM N H W C. Exit 0 and "ok", or a message naming the first difference.
Exit 77 when numpy is missing (the calling test skips).
"""
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from png_nonblank import read_png  # noqa: E402

try:
    import numpy as np
except ImportError:
    print("numpy is not installed for", sys.executable)
    sys.exit(77)


def main():
    stem = sys.argv[1]
    n, h, w, c = (int(v) for v in sys.argv[2:6])
    with np.load(stem + ".npz") as f:
        arrays = {key: f[key] for key in f.files}
    images = arrays.get("arr_0")
    if images is None:
        sys.exit(f"{stem}.npz has no arr_0 (keys: {sorted(arrays)})")
    if images.dtype != np.uint8 or images.shape != (n, h, w, c):
        sys.exit(f"arr_0 is {images.dtype} {images.shape}, expected uint8 {(n, h, w, c)}")
    files = sorted(os.listdir(stem))
    want = [f"{i:06d}.png" for i in range(n)]
    if files != want:
        sys.exit(f"{stem}/ holds {files[:3]}... ({len(files)} files), expected {want[:3]}... ({n})")
    for i, name in enumerate(files):
        width, height, channels, rows = read_png(os.path.join(stem, name))
        png = np.array([list(r) for r in rows], dtype=np.uint8).reshape(height, width, channels)
        if png.shape != (h, w, c) or not np.array_equal(png, images[i]):
            sys.exit(f"{name} differs from arr_0[{i}] (PNG {png.shape})")
    with open(stem + ".csv") as f:
        table = list(csv.DictReader(f))
    if len(table) != n:
        sys.exit(f"{stem}.csv has {len(table)} rows, expected {n}")
    if table[0]["label"] != "":
        if not np.array_equal(arrays["labels"], [int(r["label"]) for r in table]):
            sys.exit("labels differ from the CSV")
    z = [k for k in table[0] if k.startswith("z")]  # in the CSV order: z0, z1, ...
    if z:
        latents = [[int(r[k]) for k in z] for r in table]
        if arrays["latents"].dtype != np.int64 or not np.array_equal(arrays["latents"], latents):
            sys.exit("latents differ from the CSV")
    if images.std() == 0:
        sys.exit("every pixel is the same: nothing was drawn")
    print("ok")


main()
