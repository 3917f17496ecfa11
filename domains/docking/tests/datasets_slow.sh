#!/usr/bin/env bash
# The data layer's acceptance checks on the shared data sets (CTest e2e_docking_datasets, labels slow;docking):
#  - all 85 Astex and the 5 PDBBind complexes load; conformer matching on Astex (distribution printed);
#  - the DSDP archive (unpacked into the build tree, never into the source tree) loads in both forms,
#    PDB + SDF and the original PDBQT pair: the same 969 load, the same 17 are skipped, each with the reason
#    its flag in dsdp.README.md gives, and the two forms give the same graph except for the documented 6;
#  - the graph cache serves a second run.
source "$DISCO_SOURCE/tests/e2e/lib.sh"
set -e
PLUGIN="$DISCO_BUILD_DIR/lib/disco/plugins/libdisco_docking.so"
[ -f "$PLUGIN" ] || { echo "skip: the docking plugin is not built"; exit 0; }
DATA=${DISCO_SHARED_DATA:-$DISCO_SOURCE/../shared/data}
[ -d "$DATA/astex" ] || { echo "skip: no shared data at $DATA (set DISCO_SHARED_DATA)"; exit 0; }
seconds() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ---- Astex: everything loads; matched conformers ----
t0=$(seconds)
expect_exit 0 "$DISCO" -q data check "$DATA/astex" --match-conformers --seed 0 --tsv
t1=$(seconds)
expect_output '^summary: loaded 85 of 85; skipped 0$'
grep '^matched conformer RMSD' "$WORK/out"
awk -F'\t' '$NF == "ok" { n++; if ($7 < 1) below++ } END { printf "astex: %d of %d matched conformers below 1 A\n", below, n; exit !(n == 85 && below >= 0.9 * n) }' "$WORK/out" ||
  fail "fewer than 90% of the Astex matched conformers are below 1 A"
printf 'astex with conformer matching: %s s\n' "$(elapsed "$t0" "$t1")"

# ---- PDBBind (DiffDock's processed layout) and its split files ----
expect_exit 0 "$DISCO" -q data check "$DATA/pdbbind"
expect_output '^summary: loaded 5 of 5 \(ignored 1 folder without ID_\* files: splits\); skipped 0$'
expect_exit 0 "$DISCO" -q data check "$DATA/pdbbind" --split "$DATA/pdbbind/splits/timesplit_test"
expect_output '^summary: loaded 3 of 363; skipped 360: missing-files 360$'

# ---- DSDP: unpacked once into the build tree ----
DSDP="$DISCO_BUILD_DIR/data/dsdp"
if [ ! -f "$DSDP/.unpacked" ] || [ "$DATA/dsdp.tar.xz" -nt "$DSDP/.unpacked" ]; then
  echo "unpacking $DATA/dsdp.tar.xz into $DISCO_BUILD_DIR/data"
  rm -rf "$DISCO_BUILD_DIR/data/.dsdp-unpack" "$DSDP"
  mkdir -p "$DISCO_BUILD_DIR/data/.dsdp-unpack"
  tar -xJf "$DATA/dsdp.tar.xz" -C "$DISCO_BUILD_DIR/data/.dsdp-unpack"
  mv "$DISCO_BUILD_DIR/data/.dsdp-unpack/dsdp" "$DSDP"
  rmdir "$DISCO_BUILD_DIR/data/.dsdp-unpack"
  touch "$DSDP/.unpacked"  # tar keeps the archive's file times, so a stamp of our own says when
fi
# The flagged ids of the README, by flag.
overlapping=$(sed -n 's/^- \([0-9a-z]*\): .*overlapping_ligand_atoms.*/\1/p' "$DATA/dsdp.README.md" | sort)
inside=$(sed -n 's/^- \([0-9a-z]*\): .*ligand_atoms_also_in_protein.*/\1/p' "$DATA/dsdp.README.md" | sort)
[ "$(echo "$overlapping" | wc -l)" -eq 12 ] && [ "$(echo "$inside" | wc -l)" -eq 5 ] || fail "unexpected flag list in dsdp.README.md"
for form in auto pdbqt; do
  t0=$(seconds)
  expect_exit 0 "$DISCO" -q data check "$DSDP" --form "$form" --tsv
  t1=$(seconds)
  printf 'dsdp (%s form): %s s\n' "$form" "$(elapsed "$t0" "$t1")"
  expect_output '^summary: loaded 969 of 986; skipped 17: ligand-inside-protein 5, ligand-overlapping-atoms 12$'
  got=$(awk -F'\t' '$NF ~ /^skipped: ligand-overlapping-atoms/ {print $1}' "$WORK/out" | sort)
  [ "$got" = "$overlapping" ] || fail "$form: overlapping-atom skips differ from the README's flags: $got"
  got=$(awk -F'\t' '$NF ~ /^skipped: ligand-inside-protein/ {print $1}' "$WORK/out" | sort)
  [ "$got" = "$inside" ] || fail "$form: inside-protein skips differ from the README's flags: $got"
done
# The two forms: the same graph, except the documented differences (domains/docking/README.md).
expect_exit 0 "$DISCO" -q data check "$DSDP" --compare-forms --tsv
expect_output '^forms: 963 of 969 loaded in both forms give the same graph$'
differ=$(awk -F'\t' '$NF == "ok" && $6 != "same" {print $1}' "$WORK/out" | sort | tr '\n' ' ')
[ "$differ" = "1sz3 2de4 2r26 3h18 3h1q 5im3 " ] || fail "forms differ for other complexes than documented: $differ"
grep -E '^  differ in|^forms:' "$WORK/out"

# ---- the cache: a second run reads every graph from it ----
t0=$(seconds)
expect_exit 0 "$DISCO" -q data check "$DSDP" --cache "$WORK/cache"
t1=$(seconds)
expect_exit 0 "$DISCO" -q data check "$DSDP" --cache "$WORK/cache"
t2=$(seconds)
expect_output '^summary: loaded 969 of 986 \(969 from the cache, 0 cached now\); skipped 17'
printf 'dsdp: %s s parsing and caching, %s s from the cache\n' "$(elapsed "$t0" "$t1")" "$(elapsed "$t1" "$t2")"
echo "ok: astex, pdbbind and dsdp (both forms) as documented"
