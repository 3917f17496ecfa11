#!/usr/bin/env bash
# `disco data check` and `disco rmsd` (commands of the docking plugin) on the small real complexes in
# tests/data/docking/complexes: the table, the four layouts, the PDBQT form, the graph cache, RMSD of a
# crystal ligand to itself and of poses written by `disco rmsd --out` in other formats.
source "$(dirname "$0")/lib.sh"
set -e
PLUGIN="${DISCO_BUILD_DIR:-}/lib/disco/plugins/libdisco_docking.so"
if [ ! -f "$PLUGIN" ]; then echo "skip: the docking plugin is not built (DISCO_BUILD_DOCKING=OFF)"; exit 0; fi
DATA="$DISCO_SOURCE/tests/data/docking/complexes"

# The plugin's commands are listed by `disco --help` and answer --help themselves.
expect_exit 0 "$DISCO" --help
expect_output '^Commands from plugins'
expect_output '^  data check .*\(docking\)$'
expect_output '^  rmsd .*\(docking\)$'
expect_exit 0 "$DISCO" data check --help
expect_output 'Usage: disco data check \[OPTIONS\] path'
expect_exit 0 "$DISCO" rmsd --help
expect_output 'Usage: disco rmsd \[OPTIONS\] files'
expect_exit 2 "$DISCO" data
expect_output "^error: 'disco data' needs a subcommand: disco data check$"
expect_exit 2 "$DISCO" rmsd "$DATA/6moa/6moa_ligand.sdf"
expect_output '^error: disco rmsd: expected REF POSES pairs, got 1 files$'
expect_exit 2 "$DISCO" data check --no-such-flag "$DATA"
expect_exit 2 "$DISCO" data check "$WORK/missing"
expect_output 'missing: no such file or folder$'

# The folder: one row per complex, every layout recognised.
expect_exit 0 "$DISCO" -q data check "$DATA"
expect_output '^id +layout +residues +atoms +rot_bonds +status$'
expect_output '^1G9V_RQ3 +protein-ligand +77 +25 +7 +ok$'
expect_output '^1a0q +pdbbind-raw +70 +23 +11 +ok$'
expect_output '^1a2b +protein-ligand +68 +32 +8 +ok$'
expect_output '^6moa +diffdock-processed +50 +30 +3 +ok$'
expect_output '^summary: loaded 4 of 4; skipped 0$'
# A split file, and the PDBQT form of the one complex that has it.
printf '1a2b\n' > "$WORK/split"
expect_exit 0 "$DISCO" -q data check "$DATA" --split "$WORK/split" --form pdbqt --compare-forms --tsv
expect_output $'^1a2b\tpdbqt\t68\t32\t8\tsame\tok$'
expect_output '^forms: 1 of 1 loaded in both forms give the same graph$'

# The cache: written, then read; a corrupt file is rebuilt (and said so on stderr), never trusted.
expect_exit 0 "$DISCO" data check "$DATA" --cache "$WORK/cache"
expect_output '^summary: loaded 4 of 4 \(0 from the cache, 4 cached now\); skipped 0$'
expect_exit 0 "$DISCO" data check "$DATA" --cache "$WORK/cache"
expect_output '^summary: loaded 4 of 4 \(4 from the cache, 0 cached now\); skipped 0$'
printf 'garbage' > "$WORK/cache/6moa.dgraph"
expect_exit 0 "$DISCO" data check "$DATA" --cache "$WORK/cache"
expect_output '^6moa: cache corrupt: not a disco graph cache file; rebuilding'
expect_output '^summary: loaded 4 of 4 \(3 from the cache, 1 cached now\); skipped 0$'

# One file: a protein, ligands in several formats.
expect_exit 0 "$DISCO" data check "$DATA/1a0q/1a0q_protein.pdb"
expect_output '1a0q_protein.pdb: protein, 70 residues in 2 chains \(L,H\)'
expect_exit 0 "$DISCO" data check "$DATA/1a2b/1a2b_ligand.pdbqt"
expect_output '^1 .* +32 +34 +8 openbabel-pdbqt +yes$'
# (PDBBind's MOL2 has an O.co2 on a P, which RDKit's reader refuses; Open Babel reads it, with a warning.)
expect_exit 0 "$DISCO" data check "$DATA/1a0q/1a0q_ligand.mol2"
expect_output '^warning: .*1a0q_ligand.mol2: RDKit could not read it .*O.co2 .*; read with Open Babel$'
expect_output '^1 +1a0q_ligand +23 +23 +11 openbabel-mol2 +yes$'

# RMSD: a crystal ligand against itself is 0; against its PDBQT form (other file, same atoms) too.
REF="$DATA/1G9V_RQ3/1G9V_RQ3_ligand.sdf"
expect_exit 0 "$DISCO" rmsd "$REF" "$REF"
expect_output '^1 +1G9V_RQ3_A_801 +0\.000 +0\.000 +-$'
expect_output '^summary over 1 complex: top-1 RMSD < 2 A 100\.0%'
# Global options may follow a plugin command's words too, as they may follow the built-in commands.
expect_exit 0 "$DISCO" rmsd -q -j 1 "$REF" "$REF" --threads=1
expect_output '^1 +1G9V_RQ3_A_801 +0\.000 +0\.000 +-$'
expect_exit 2 "$DISCO" rmsd "$REF" "$REF" -j
expect_output '^error: -j needs a value$'
expect_exit 2 "$DISCO" rmsd "$REF" "$REF" -j x
expect_output "^error: -j: expected a thread count >= 0 \(0 = all cores\), got 'x'$"
expect_exit 0 "$DISCO" rmsd "$DATA/1a2b/1a2b_ligand.sdf" "$DATA/1a2b/1a2b_ligand.pdbqt"
expect_output '^1 .* 0\.000 +0\.000'
# Poses written by --out (SDF with disco_rank/disco_rmsd, and MOL2 through Open Babel) score the same.
expect_exit 0 "$DISCO" rmsd "$REF" "$REF" --out "$WORK/ranked.sdf"
grep -q '^> <disco_rank>' "$WORK/ranked.sdf" || fail "no disco_rank in the written SDF"
grep -q '^> <disco_rmsd>' "$WORK/ranked.sdf" || fail "no disco_rmsd in the written SDF"
expect_exit 0 "$DISCO" rmsd "$REF" "$REF" --out "$WORK/ranked.mol2"
grep -q '@<TRIPOS>MOLECULE' "$WORK/ranked.mol2" || fail "no MOL2 written"
expect_exit 0 "$DISCO" rmsd "$REF" "$WORK/ranked.mol2"
expect_output '^1 .* 0\.000 +0\.000'
grep -A1 '^rank ' "$WORK/out" | tail -1 | grep -q '^1 ' || { cat "$WORK/out"; fail "the table's rows must follow its header"; }
# Poses from Vina: a multi-model PDBQT (here the crystal ligand, and the same shifted by 1 A along x).
L="$DATA/1a2b/1a2b_ligand.pdbqt"
{ echo "MODEL 1"; cat "$L"; echo "ENDMDL"; echo "MODEL 2"
  awk '/^(ATOM|HETATM)/ { printf "%s%8.3f%s\n", substr($0, 1, 30), substr($0, 31, 8) + 1.0, substr($0, 39); next } { print }' "$L"
  echo "ENDMDL"; } > "$WORK/vina_out.pdbqt"
expect_exit 0 "$DISCO" -q rmsd "$DATA/1a2b/1a2b_ligand.sdf" "$WORK/vina_out.pdbqt"
expect_output '\(2 poses, in file order\)$'
expect_output '^1 +0\.000 +0\.000 +-$'
expect_output '^2 +1\.000 +1\.000 +-$'
# Two complexes: the summary is over complexes.
expect_exit 0 "$DISCO" rmsd "$REF" "$REF" "$DATA/1a2b/1a2b_ligand.sdf" "$DATA/1a2b/1a2b_ligand.pdbqt"
expect_output '^summary over 2 complexes: top-1 RMSD < 2 A 100\.0%'
# Poses of another molecule are an error naming both graphs.
expect_exit 2 "$DISCO" rmsd "$REF" "$DATA/6moa/6moa_ligand.sdf"
expect_output '^error: .*6moa_ligand.sdf: molecule 1: its heavy-atom graph C25 N4 O1 \(35 bonds\) differs from the reference.s C20 N1 O4 \(26 bonds\)$'
echo "ok: disco data check and disco rmsd"
