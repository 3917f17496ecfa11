#!/usr/bin/env bash
# The paper's toy claim in small: trained with the example config, DisCo's latents become mode-specific —
# every code's samples concentrate on one or two of the eight modes.
source "$(dirname "$0")/lib.sh"
set -e
EX="$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml"
expect_exit 0 "$DISCO" -q train "$EX" --out "$WORK/run" --set seed=0
expect_exit 0 "$DISCO" -q sample "$WORK/run" -n 4000 --out "$WORK/s"
# Mode of a point on the ring = its angle in units of 45 degrees; off-ring points (|r - 3| > 0.8) are ignored.
awk -F, 'NR > 1 {
  r = sqrt($1 * $1 + $2 * $2); if (r < 2.2 || r > 3.8) next;
  a = atan2($2, $1); m = int((a / 0.785398163 + 8.5)) % 8;
  n[$3]++; c[$3 "," m]++;
} END {
  bad = 0; codes = 0;
  for (z in n) {
    if (n[z] < 40) continue;  # codes the prior almost never samples
    codes++; b1 = 0; b2 = 0;
    for (m = 0; m < 8; m++) { v = c[z "," m] + 0; if (v > b1) { b2 = b1; b1 = v } else if (v > b2) b2 = v }
    f = (b1 + b2) / n[z];
    printf "code %s: %d samples, top-2 modes hold %.3f\n", z, n[z], f;
    if (f < 0.9) bad++;
  }
  if (codes < 4) { print "too few codes in use: " codes; exit 1 }
  exit bad > 0
}' "$WORK/s.csv" || fail "latents are not mode-specific"
echo "ok"
