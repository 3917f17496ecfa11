#!/usr/bin/env bash
# Config errors: exit 2 with FILE:LINE:COL and a "did you mean" for near-misses.
source "$(dirname "$0")/lib.sh"
set -e
cat > "$WORK/typo.toml" <<'TOML'
domain = "toy2d"

[train]
steps = 10
lerning_rate = 0.1
TOML
expect_exit 2 "$DISCO" config check "$WORK/typo.toml"
expect_output "typo.toml:5:16: unknown key 'train.lerning_rate'"
[ "$(wc -l < "$WORK/out")" -eq 1 ] || fail "expected a one-line error"

cat > "$WORK/range.toml" <<'TOML'
domain = "toy2d"
[latent]
k = 0
TOML
expect_exit 2 "$DISCO" config check "$WORK/range.toml"
expect_output "range.toml:3:5: latent.k must be >= 1"

cat > "$WORK/m.toml" <<'TOML'
domain = "toy2d"
latent.m = -1
TOML
expect_exit 2 "$DISCO" config check "$WORK/m.toml"
expect_output "latent.m must be >= 0"

cat > "$WORK/syntax.toml" <<'TOML'
domain = "toy2d
TOML
expect_exit 2 "$DISCO" config check "$WORK/syntax.toml"
expect_output "syntax.toml:1:"

expect_exit 2 "$DISCO" config check "$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml" --set train.stpes=3
expect_output "did you mean 'train.steps'"

expect_exit 0 "$DISCO" config check "$DISCO_SOURCE/examples/toy2d/eight_gaussians.toml"
expect_exit 0 "$DISCO" config explain toy2d
expect_output "data.name"
expect_exit 2 "$DISCO" train "$WORK/does-not-exist.toml"
expect_exit 2 "$DISCO" frobnicate
echo "ok"

# Sampler settings: restart intervals outside [sigma_min, sigma_max], negative churn, PFGM++ D < 1.
cat > "$WORK/restart.toml" <<'TOML'
domain = "toy2d"
[sample]
sampler = "restart"
restart = [4, 2, 0.3, 200.0]
TOML
expect_exit 2 "$DISCO" config check "$WORK/restart.toml"
expect_output "restart.toml:4:11: sample.restart interval 1: need sigma_min <= t_min < t_max <= sigma_max"
cat > "$WORK/churn.toml" <<'TOML'
domain = "toy2d"
sample.s_churn = -1
TOML
expect_exit 2 "$DISCO" config check "$WORK/churn.toml"
expect_output "churn.toml:2:18: sample.s_churn must be >= 0"
cat > "$WORK/pfgm.toml" <<'TOML'
domain = "toy2d"
diffusion.kind = "pfgmpp"
diffusion.pfgmpp_d = 0.5
TOML
expect_exit 2 "$DISCO" config check "$WORK/pfgm.toml"
expect_output "pfgm.toml:3:22: diffusion.pfgmpp_d must be >= 1"
cat > "$WORK/sampler.toml" <<'TOML'
domain = "toy2d"
sample.sampler = "hune"
TOML
expect_exit 2 "$DISCO" config check "$WORK/sampler.toml"
expect_output "sampler.toml:2:18: unknown sampler 'hune'"
echo "ok (samplers)"
