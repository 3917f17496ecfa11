#!/usr/bin/env bash
# Fuzzes disco's input readers with libFuzzer (clang, AddressSanitizer + UBSan); see tests/fuzz/README.md.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: 60 seconds for each of fuzz_config, fuzz_point_csv,
#                                              fuzz_signal_files, fuzz_checkpoint, fuzz_pdb, fuzz_ligand
# Exits 1 if any target found a crash (the input is kept under build-fuzz/crashes/TARGET/).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=60
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then SECONDS_EACH=$1; shift; fi
case "${1:-}" in -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(fuzz_config fuzz_point_csv fuzz_signal_files fuzz_checkpoint fuzz_pdb fuzz_ligand)
command -v clang++ >/dev/null || scripts/install_deps.sh clang
OUT=${DISCO_FUZZ_DIR:-build-fuzz}
cmake -S tests/fuzz -B "$OUT" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
cmake --build "$OUT" --target "${TARGETS[@]}" >&2
seeds_of() {
  case "$1" in
    fuzz_config) echo "tests/fuzz/corpus/config examples tests/data/bad" ;;
    fuzz_point_csv) echo "tests/fuzz/corpus/point_csv tests/data/bad" ;;
    fuzz_signal_files) echo "tests/fuzz/corpus/signal tests/data/bad" ;;
    fuzz_checkpoint) echo "tests/fuzz/corpus/checkpoint tests/data/bad" ;;
    fuzz_pdb) echo "tests/fuzz/corpus/pdb tests/data/bad" ;;
    fuzz_ligand) echo "tests/fuzz/corpus/ligand tests/data/bad" ;;
    *) echo "fuzz.sh: unknown target '$1'" >&2; exit 2 ;;
  esac
}
export ASAN_OPTIONS="detect_leaks=0:detect_container_overflow=0:detect_odr_violation=0"
failed=0
for t in "${TARGETS[@]}"; do
  mkdir -p "$OUT/corpus/$t" "$OUT/crashes/$t"
  # shellcheck disable=SC2046
  if "$OUT/$t" -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
       -artifact_prefix="$OUT/crashes/$t/" "$OUT/corpus/$t" $(seeds_of "$t") >"$OUT/$t.log" 2>&1; then
    echo "$t: no crash in ${SECONDS_EACH}s ($(grep -Eo '#[0-9]+' "$OUT/$t.log" | tail -1 | tr -d '#') runs, corpus $(ls "$OUT/corpus/$t" | wc -l) inputs)"
  else
    failed=1
    echo "$t: CRASH, see $OUT/$t.log; inputs in $OUT/crashes/$t/" >&2
    grep -m3 -E "ERROR|runtime error|terminate called|uncaught" "$OUT/$t.log" >&2 || true
  fi
done
exit $failed
