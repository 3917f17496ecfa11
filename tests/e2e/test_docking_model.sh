#!/usr/bin/env bash
# The docking model end to end on the built-in synthetic complexes and the small real complexes in
# tests/data/docking/complexes: train DisCo-DiffDock (m = 2 node latents) and its m = 0 twin briefly, evaluate
# both (`disco eval`: redocking metrics), and dock a real ligand with `disco dock` from SDF and from SMILES,
# checking that RDKit reads every written SDF back (`disco rmsd`) and that CSV names cannot escape --out.
# A few steps only: this checks the plumbing, not the accuracy (the slow test docking_redock does that).
source "$(dirname "$0")/lib.sh"
set -e
PLUGIN="${DISCO_BUILD_DIR:-}/lib/disco/plugins/libdisco_docking.so"
if [ ! -f "$PLUGIN" ]; then echo "skip: the docking plugin is not built (DISCO_BUILD_DOCKING=OFF)"; exit 0; fi
DATA="$DISCO_SOURCE/tests/data/docking/complexes"
TINY=(--set seed=3 --set latent.m=2 --set latent.k=32 --set latent.hard=true --set data.synthetic_count=6
      --set train.steps=12 --set train.batch_size=3 --set train.log_every=6 --set train.checkpoint_every=100
      --set prior.steps=4 --set prior.batch_size=3 --set dock.samples=4 --set dock.steps=3 --set eval.complexes=2)
cat > "$WORK/dock.toml" <<'TOML'
domain = "docking"
threads = 1
TOML

expect_exit 0 "$DISCO" train "$WORK/dock.toml" --out "$WORK/disco" "${TINY[@]}"
expect_output "codes in use"
expect_output "stage 2: extracted latents of 6 examples"
expect_exit 0 "$DISCO" train "$WORK/dock.toml" --out "$WORK/base" "${TINY[@]}" --set latent.m=0
expect_output "plain diffusion baseline"
# The paper's prior: the denoiser's own layers (copied at stage 2's first step, frozen for 2 of its 4 steps).
# Its network trains only through the trainer's stage-2 hook; without the hook the prior refuses to train.
expect_exit 0 "$DISCO" train "$WORK/dock.toml" --out "$WORK/shared_prior" "${TINY[@]}" \
  --set model.prior_backbone=denoiser --set model.prior_freeze_steps=2
expect_output "stage 2 step 4/4 prior nll"
for run in disco base shared_prior; do
  expect_exit 0 "$DISCO" eval "$WORK/$run"
  for key in top1_below_2A top5_below_2A median_top1_rmsd best_of_n_below_2A seconds_per_complex; do
    grep -q "\"$key\"" "$WORK/$run/metrics.json" || fail "$run: metrics.json lacks $key"
  done
  [ "$(grep -c '^synthetic_' "$WORK/$run/eval/rmsd.csv")" -eq 8 ] || fail "$run: expected 2 x 4 poses in rmsd.csv"
  [ -s "$WORK/$run/eval/poses/synthetic_0.sdf" ] || fail "$run: no eval poses"
done
# A DisCo run reports how well its prior predicts the crystal poses' encoded latents (nats per complex), next to
# uniform codes over the same nodes (m = 2 latents, each over at least two nodes: above 2 ln 2); m = 0 has neither.
metric() { awk -F': ' -v k="\"$2\"" '$1 ~ k {gsub(/[ ,]/, "", $2); print $2}' "$WORK/$1/metrics.json"; }
for run in disco shared_prior; do
  awk -v p="$(metric $run prior_nll_crystal_latents)" -v u="$(metric $run prior_nll_uniform)" \
    'BEGIN { exit !(p > 0 && p < 100 && u > 1.386 && u < 100) }' || fail "$run: bad prior_nll_crystal_latents / prior_nll_uniform"
done
if grep -q 'prior_nll' "$WORK/base/metrics.json"; then fail "the m = 0 run has no prior"; fi
# rmsd.csv (complex,rank,rmsd,model_score,latents,...): every pose has latents, the same within each complex.
one_latent_tuple_per_complex() {
  awk -F, 'NR > 1 { if ($5 == "" || (($1 in z) && z[$1] != $5)) bad = 1; z[$1] = $5 } END {exit bad}' "$1"
}
# dock.latents = "encoded" (the oracle): every sample of a complex gets the latents of its crystal pose.
expect_exit 0 "$DISCO" eval "$WORK/disco" --set dock.latents=encoded
grep -q '"latents_encoded_from_crystal": 1' "$WORK/disco/metrics.json" || fail "dock.latents=encoded not reported"
one_latent_tuple_per_complex "$WORK/disco/eval/rmsd.csv" ||
  fail "dock.latents=encoded: the samples of a complex have different latents"
expect_exit 2 "$DISCO" eval "$WORK/base" --set dock.latents=encoded
expect_output "^error: .*needs a DisCo run"
# sample.prior_temperature = 0: the prior's argmax, the same latents for every sample of a complex.
expect_exit 0 "$DISCO" eval "$WORK/disco" --set sample.prior_temperature=0
one_latent_tuple_per_complex "$WORK/disco/eval/rmsd.csv" ||
  fail "sample.prior_temperature=0: the samples of a complex have different latents"
# The sampler is not the core's: `disco sample` says where to go instead.
expect_exit 2 "$DISCO" sample "$WORK/disco" -n 2 --out "$WORK/s"
expect_output "disco dock"

# disco dock from an SDF, with a reference: rank files, poses.sdf, summary.csv with RMSD.
REF="$DATA/6moa/6moa_ligand.sdf"
PROT="$DATA/6moa/6moa_protein_processed.pdb"
expect_exit 0 "$DISCO" dock --model "$WORK/disco" --protein "$PROT" --ligand "$REF" --ref "$REF" --samples 3 --steps 2 --refine none --out "$WORK/dock" --report "$WORK/dock/report.html"
expect_output "6moa_ligand: 3 poses in .* s -> .*/poses.sdf \(rank-1 RMSD [0-9.]+ Å\)"
for f in rank1 rank2 rank3 poses; do [ -s "$WORK/dock/6moa_ligand/$f.sdf" ] || fail "no $f.sdf"; done
[ "$(grep -c '^\$\$\$\$' "$WORK/dock/6moa_ligand/poses.sdf")" -eq 3 ] || fail "poses.sdf should hold 3 records"
grep -q '<disco_model_score>' "$WORK/dock/6moa_ligand/poses.sdf" || fail "poses.sdf lacks disco_model_score"
! grep -q '<disco_confidence>' "$WORK/dock/6moa_ligand/poses.sdf" || fail "disco_confidence written without a confidence model"
head -1 "$WORK/dock/summary.csv" | grep -qE '^complex_name,rank,model_score,rmsd,latent1,latent2,valid,check_bond_lengths,.*,check_protein_contact,seconds$' || fail "bad summary.csv header"
[ "$(wc -l < "$WORK/dock/summary.csv")" -eq 4 ] || fail "summary.csv should have 3 rows"
# --report: the `disco report` page of these poses, with one 3-D view.
grep -q '<h2>Docked poses</h2>' "$WORK/dock/report.html" || fail "--report wrote no docking section"
[ "$(grep -o 'class=disco-mol ' "$WORK/dock/report.html" | wc -l)" -eq 1 ] || fail "--report: expected one 3-D view"
# RDKit reads every written pose back, and the RMSD it computes equals the summary's rank-1 value.
expect_exit 0 "$DISCO" rmsd "$REF" "$WORK/dock/6moa_ligand/poses.sdf"
expect_exit 0 "$DISCO" rmsd "$REF" "$WORK/dock/6moa_ligand/rank1.sdf"

# Physics refinement (the default): every sample optimised under the Vina-family score, Monte-Carlo chains from
# the best, poses re-ranked by energy (lowest first) with score tags; `disco score` rescores them exactly.
expect_exit 0 "$DISCO" dock --model "$WORK/disco" --protein "$PROT" --ligand "$REF" --ref "$REF" --samples 3 --steps 2 \
  --chains 2 --mc-steps 2 --out "$WORK/refined"
R="$WORK/refined/6moa_ligand"
for tag in disco_score minimizedAffinity disco_energy disco_sample disco_model_score disco_valid disco_check_protein_clash; do
  grep -q "<$tag>" "$R/poses.sdf" || fail "refined poses.sdf lacks $tag"
done
head -1 "$WORK/refined/summary.csv" | grep -qE '^complex_name,rank,model_score,rmsd,score,energy,sample,cluster_size,latent1,latent2,valid,check_.*,seconds$' || fail "bad refined summary.csv header"
awk -F, 'NR > 2 && $6 < prev {bad = 1} NR > 1 {prev = $6} END {exit bad}' "$WORK/refined/summary.csv" || fail "refined poses not ranked by energy"
expect_exit 0 "$DISCO" score --protein "$PROT" --ligand "$R/poses.sdf"
expect_output "^pose,score,intermolecular,intramolecular,heavy_atoms,valid,check_bond_lengths"
rank1_score=$(awk -F, 'NR == 2 {print $5}' "$WORK/refined/summary.csv")
expect_output "^1,${rank1_score},"
# --local: optimised poses are written, each scoring no worse than before.
expect_exit 0 "$DISCO" score --protein "$PROT" --ligand "$REF" --local --out "$WORK/local.sdf"
grep -q '<minimizedAffinity>' "$WORK/local.sdf" || fail "score --local wrote no optimised pose"
expect_exit 0 "$DISCO" score --protein "$PROT" --ligand "$REF"
before=$(awk -F, 'NR == 2 {print $2}' "$WORK/out")
expect_exit 0 "$DISCO" score --protein "$PROT" --ligand "$WORK/local.sdf"
after=$(awk -F, 'NR == 2 {print $2}' "$WORK/out")
awk -v a="$after" -v b="$before" 'BEGIN {exit !(a <= b + 1e-3)}' || fail "score --local made the crystal pose worse ($before -> $after)"
# The checks against the start molecule: the crystal pose passes every one; another molecule is an error.
expect_exit 0 "$DISCO" score --protein "$PROT" --ligand "$REF" --reference-ligand "$REF"
[ "$(awk -F, 'NR == 2 {print $6}' "$WORK/out")" = 1 ] || { cat "$WORK/out"; fail "the crystal pose does not pass its checks"; }
expect_exit 2 "$DISCO" score --protein "$PROT" --ligand "$REF" --reference-ligand "$DATA/1a0q/1a0q_ligand.sdf"
expect_output "not the molecule of"
expect_exit 2 "$DISCO" score --protein "$PROT" --ligand "$REF" --out "$WORK/x.sdf"
expect_output "need --local"
expect_exit 2 "$DISCO" dock --model "$WORK/disco" --protein "$PROT" --ligand "$REF" --refine fast
expect_output "--refine"

# From SMILES (an RDKit conformer), with the pocket centre given explicitly (the 6moa ligand's centroid).
CENTRE=$(awk 'NR==4{n=$1} NR>4 && NR<=4+n {x+=$1;y+=$2;z+=$3} END{printf "%.2f,%.2f,%.2f", x/n, y/n, z/n}' "$REF")
expect_exit 0 "$DISCO" dock --model "$WORK/disco" --protein "$PROT" --ligand 'CC(=O)Nc1ccc(O)cc1' --center "$CENTRE" --samples 2 --steps 2 --out "$WORK/smiles"
expect_output "ligand: [0-9]+ poses"
expect_exit 0 "$DISCO" rmsd "$WORK/smiles/ligand/rank1.sdf" "$WORK/smiles/ligand/poses.sdf"

# Batch CSV: names are sanitised (no escape from --out); a bad row fails alone; paths relative to the CSV.
mkdir -p "$WORK/batch"
cp "$PROT" "$WORK/batch/p.pdb"
printf 'complex_name,protein_path,ligand_description\n../../escape,p.pdb,CCO\n/abs/name,p.pdb,c1ccccc1O\nbad,missing.pdb,CCO\n' > "$WORK/batch/jobs.csv"
expect_exit 0 "$DISCO" dock --model "$WORK/disco" --csv "$WORK/batch/jobs.csv" --center "$CENTRE" --samples 2 --steps 1 --out "$WORK/batch/out"
expect_output "1 of 3 complexes failed"
[ -d "$WORK/batch/out/.._.._escape" ] || fail "the ../ name was not sanitised inside --out"
[ -d "$WORK/batch/out/_abs_name" ] || fail "the absolute name was not sanitised inside --out"
[ ! -e "$WORK/escape" ] && [ ! -e /abs/name ] || fail "a CSV name escaped --out"

# The confidence model: trained on the run's own poses of its synthetic training complexes, then used by
# `disco dock` (ranking, disco_confidence in the SDF, a confidence column) and `disco eval`.
expect_exit 0 "$DISCO" confidence --model "$WORK/disco" --complexes 4 --poses 3 --steps 4 --seed 1
expect_output "confidence: 9 training poses .* from 3 complexes, 1 complexes held out"
expect_output "^\| held out \|"
[ -s "$WORK/disco/confidence.pt" ] || fail "no confidence.pt"
[ "$(grep -c '^synthetic_' "$WORK/disco/confidence/poses.csv")" -eq 12 ] || fail "poses.csv should hold 4 x 3 poses"
for key in auc top1_below_2A_by_confidence top1_below_2A_by_model_score best_of_n_below_2A; do
  grep -q "\"$key\"" "$WORK/disco/confidence/metrics.json" || fail "confidence metrics.json lacks $key"
done
expect_exit 0 "$DISCO" dock --model "$WORK/disco" --protein "$PROT" --ligand "$REF" --ref "$REF" --samples 3 --steps 2 --refine none --out "$WORK/dockc" --report "$WORK/dockc/report.html"
grep -q "The confidence model's probability" "$WORK/dockc/report.html" || fail "--report does not show the confidence ranking"
[ "$(grep -c '<disco_confidence>' "$WORK/dockc/6moa_ligand/poses.sdf")" -eq 3 ] || fail "poses.sdf lacks disco_confidence"
head -1 "$WORK/dockc/summary.csv" | grep -qE '^complex_name,rank,model_score,confidence,rmsd,latent1,latent2,valid,check_.*,seconds$' || fail "bad summary.csv header with a confidence model"
# Ranked by confidence: the summary's confidence column never increases down the ranks.
awk -F, 'NR > 2 && $4 > prev + 1e-9 {bad = 1} NR > 1 {prev = $4} END {exit bad}' "$WORK/dockc/summary.csv" || fail "poses are not ranked by confidence"
expect_exit 0 "$DISCO" eval "$WORK/disco"
grep -q '"ranked_by_confidence_model": 1' "$WORK/disco/metrics.json" || fail "eval did not use the confidence model"
grep -q '"top1_below_2A_by_model_score"' "$WORK/disco/metrics.json" || fail "eval lacks the model-score ranking"
# dock.ranking = "model_score": the confidence model still scores every pose (AUC) but the model score ranks them.
expect_exit 0 "$DISCO" eval "$WORK/disco" --set dock.ranking=model_score
grep -q '"ranked_by_confidence_model": 0' "$WORK/disco/metrics.json" || fail "dock.ranking=model_score still ranked by confidence"
grep -q '"confidence_auc"' "$WORK/disco/metrics.json" || fail "dock.ranking=model_score lost the confidence AUC"
awk -F, 'NR > 1 && $1 == last && $4 < prev - 1e-9 {bad = 1} NR > 1 {last = $1; prev = $4} END {exit bad}' \
  "$WORK/disco/eval/rmsd.csv" || fail "dock.ranking=model_score: poses are not in model-score order"
for f in "$WORK"/disco/eval/poses/*.sdf; do  # the probabilities are still written, in model-score order
  [ "$(grep -c '<disco_confidence>' "$f")" -eq "$(grep -c '^\$\$\$\$' "$f")" ] || fail "$f: dock.ranking=model_score dropped disco_confidence"
done
# Refined poses (ranked by energy) carry the confidence model's probability of the refined pose too.
expect_exit 0 "$DISCO" dock --model "$WORK/disco" --protein "$PROT" --ligand "$REF" --ref "$REF" --samples 3 --steps 2 --refine local --out "$WORK/dockl"
[ "$(grep -c '<disco_confidence>' "$WORK/dockl/6moa_ligand/poses.sdf")" -ge 1 ] || fail "refined poses lack disco_confidence"
awk -F, 'NR > 1 && $4 == "" {bad = 1} END {exit bad}' "$WORK/dockl/summary.csv" || fail "refined poses: empty confidence column"
# A corrupt confidence.pt is one error line naming the file, not a crash or a silent fallback.
printf 'garbage' > "$WORK/disco/confidence.pt"
expect_exit 2 "$DISCO" dock --model "$WORK/disco" --protein "$PROT" --ligand "$REF" --ref "$REF" --samples 2 --steps 1 --out "$WORK/dockx"
expect_output "^error: .*confidence.pt.*disco confidence"
rm "$WORK/disco/confidence.pt"

# Bad use: one error line, exit 2.
expect_exit 2 "$DISCO" dock --model "$WORK/disco" --protein "$PROT"
expect_output "^error: .*give --protein and --ligand, or --csv"
expect_exit 2 "$DISCO" dock --model "$WORK/disco" --protein "$PROT" --ligand 'C1CC(' --center 0,0,0
expect_output "^error: .*SMILES"
expect_exit 2 "$DISCO" dock --model "$WORK/disco" --protein "$PROT" --ligand "$REF"
expect_output "^error: .*trained on pockets.*--center"
expect_exit 2 "$DISCO" dock --model "$WORK/nowhere" --protein "$PROT" --ligand "$REF" --ref "$REF"
expect_output "^error: --model: .* is not a disco run directory"
echo "docking model e2e: ok"
