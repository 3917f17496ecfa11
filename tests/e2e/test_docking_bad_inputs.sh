#!/usr/bin/env bash
# Docking's hostile inputs (tests/data/bad/docking_*): every one, given to a single-file command
# (`disco data check FILE`, and `disco rmsd FILE FILE` for the ligand files), ends with exit code 2 and exactly
# one `error:` line, the last, naming the file; nothing crashes. In a batch (`disco data check DIR`) the same
# files make their complexes skipped with a reason, and the command still succeeds.
source "$(dirname "$0")/lib.sh"
set -e
PLUGIN="${DISCO_BUILD_DIR:-}/lib/disco/plugins/libdisco_docking.so"
if [ ! -f "$PLUGIN" ]; then echo "skip: the docking plugin is not built (DISCO_BUILD_DOCKING=OFF)"; exit 0; fi
BAD="$DISCO_SOURCE/tests/data/bad"
GOOD="$DISCO_SOURCE/tests/data/docking/complexes"
check() {  # check FILE CMD...
  local file=$1; shift
  set +e; "$@" >"$WORK/out" 2>&1; local got=$?; set -e
  [ "$got" -eq 2 ] || { cat "$WORK/out" >&2; fail "$(basename "$file"): expected exit 2, got $got"; }
  [ "$(grep -c '^error: ' "$WORK/out")" -eq 1 ] || { cat "$WORK/out" >&2; fail "$(basename "$file"): expected one error line"; }
  [ "$(wc -l < "$WORK/out")" -eq 1 ] || { cat "$WORK/out" >&2; fail "$(basename "$file"): expected nothing but the error line"; }
  grep -qF "$(basename "$file")" "$WORK/out" || { cat "$WORK/out" >&2; fail "$(basename "$file"): message does not name the file"; }
  count=$((count + 1))
}
count=0
files=("$BAD"/docking_*)
[ "${#files[@]}" -ge 8 ] || fail "expected the docking corpus in $BAD"
for f in "${files[@]}"; do
  check "$f" "$DISCO" -q data check "$f"
  case "$f" in
    *.sdf|*.smi) check "$f" "$DISCO" -q rmsd "$f" "$GOOD/6moa/6moa_ligand.sdf"
                 check "$f" "$DISCO" -q rmsd "$GOOD/6moa/6moa_ligand.sdf" "$f" ;;
  esac
done
# The expected reasons, one per kind of damage.
expect_reason() {
  set +e; "$DISCO" -q data check "$BAD/$1" >"$WORK/out" 2>&1; set -e
  grep -qE -- "$2" "$WORK/out" || { cat "$WORK/out" >&2; fail "$1: message lacks /$2/"; }
}
expect_reason docking_truncated.pdb 'docking_truncated.pdb:21: truncated ATOM record'
expect_reason docking_no_ca.pdb 'no amino-acid residue with N, CA and C atoms'
expect_reason docking_bad_valence.sdf 'RDKit: Explicit valence for atom # 0 C, 5, is greater than permitted'
expect_reason docking_rejected.smi "docking_rejected.smi:1: RDKit rejected SMILES 'C1CC\(=O'"
expect_reason docking_empty.sdf 'docking_empty.sdf: empty file'
expect_reason docking_empty.pdb 'docking_empty.pdb: empty file'
expect_reason docking_binary.pdb 'binary data at byte [0-9]+, not a text PDB file'
expect_reason docking_binary.sdf 'binary data at byte [0-9]+, not a text molecule file'
expect_reason docking_mol2_bond_to_atom_0.mol2 'docking_mol2_bond_to_atom_0.mol2: line 15: MOL2 bond refers to atom 0'

# In a batch, the same damage skips the complex with its reason; the others load and the exit code is 0.
mkdir -p "$WORK/set"
cp -r "$GOOD/6moa" "$WORK/set/"
for f in "${files[@]}"; do
  name=$(basename "$f"); id=${name//./_}; ext=${name##*.}
  mkdir -p "$WORK/set/$id"
  case "$ext" in
    pdb) cp "$f" "$WORK/set/$id/${id}_protein.pdb"; cp "$GOOD/6moa/6moa_ligand.sdf" "$WORK/set/$id/${id}_ligand.sdf" ;;
    sdf) cp "$GOOD/6moa/6moa_protein_processed.pdb" "$WORK/set/$id/${id}_protein.pdb"; cp "$f" "$WORK/set/$id/${id}_ligand.sdf" ;;
    smi) cp "$GOOD/6moa/6moa_protein_processed.pdb" "$WORK/set/$id/${id}_protein.pdb"; cp "$f" "$WORK/set/$id/${id}_ligand.sdf" ;;
    mol2) cp "$GOOD/6moa/6moa_protein_processed.pdb" "$WORK/set/$id/${id}_protein.pdb"; cp "$f" "$WORK/set/$id/${id}_ligand.mol2" ;;
  esac
done
expect_exit 0 "$DISCO" -q data check "$WORK/set"
expect_output '^6moa .* ok$'
expect_output '^docking_truncated_pdb .*skipped: protein-unreadable: .*truncated ATOM record'
expect_output '^docking_no_ca_pdb .*skipped: protein-unreadable: .*no amino-acid residue'
expect_output '^docking_bad_valence_sdf .*skipped: ligand-unreadable: .*Explicit valence'
expect_output '^docking_empty_pdb .*skipped: protein-unreadable: .*empty file'
expect_output '^docking_empty_sdf .*skipped: ligand-unreadable: .*empty file'
expect_output "^summary: loaded 1 of $((${#files[@]} + 1)); skipped ${#files[@]}: ligand-unreadable [0-9]+, protein-unreadable [0-9]+$"
echo "ok: $count single-file checks of the docking corpus, and the same files skipped with reasons in a batch"
