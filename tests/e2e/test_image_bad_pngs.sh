#!/usr/bin/env bash
# The image domain's folder loader and the hostile PNGs in tests/data/bad (corrupt IDAT, truncated, zero width,
# a header claiming 100000x100000, a valid 1x30000 image): each one alone in data.path gives exit 2 and one
# error line, after a warning naming the file; mixed with a good image, each is skipped with its warning and
# counted, and training goes on.
source "$(dirname "$0")/lib.sh"
set -e
BAD="$DISCO_SOURCE/tests/data/bad"
EX="$DISCO_SOURCE/examples/image/fashion_mnist_uncond.toml"
[ -f "$DISCO_BUILD_DIR/lib/disco/plugins/libdisco_image.so" ] || { echo "SKIP: the image plugin is not built"; exit 0; }
# One step of a small U-Net; the loader runs before any training.
SMALL=(--set data.name=folder --set data.resolution=8 --set model.channels=8 --set "model.channel_mult=[1]"
       --set "model.attn_resolutions=[]" --set model.encoder_patch=4 --set train.steps=1 --set train.batch_size=2 --set prior.steps=1)
count=0
for f in "$BAD"/*.png; do
  name=$(basename "$f")
  rm -rf "$WORK/only" "$WORK/run"; mkdir -p "$WORK/only"; cp "$f" "$WORK/only/"
  expect_exit 2 "$DISCO" -q -j 1 train "$EX" --out "$WORK/run" "${SMALL[@]}" --set "data.path=$WORK/only"
  [ "$(grep -c '^error: ' "$WORK/out")" -eq 1 ] || { cat "$WORK/out" >&2; fail "$name: expected one error line"; }
  tail -1 "$WORK/out" | grep -q "^error: .*none of the 1 images could be used" || { cat "$WORK/out" >&2; fail "$name: error"; }
  grep -q "^warning: .*$name: cannot use this image" "$WORK/out" || { cat "$WORK/out" >&2; fail "$name: no warning naming it"; }
  count=$((count + 1))
done
[ "$count" -ge 5 ] || fail "expected at least 5 hostile PNGs, found $count"
# A folder with one good image (8x8 RGB, written here) and every hostile one: trains, warns once per bad file.
python3 - "$WORK/mixed/good.png" <<'PY'
import struct, sys, zlib, os
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
rows = b"".join(b"\0" + bytes((x * 31 + y * 17) % 256 for x in range(24)) for y in range(8))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
PY
cp "$BAD"/*.png "$WORK/mixed/"
rm -rf "$WORK/run"
expect_exit 0 "$DISCO" -q -j 1 train "$EX" --out "$WORK/run" "${SMALL[@]}" --set "data.path=$WORK/mixed"
[ "$(grep -c 'cannot use this image' "$WORK/out")" -eq "$count" ] || { cat "$WORK/out" >&2; fail "expected $count warnings"; }
expect_output "$count image\(s\) skipped, 1 loaded"
echo "ok: $count hostile PNGs rejected alone, skipped and counted next to a good one"
