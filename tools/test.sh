#!/usr/bin/env bash
# Installs what is missing, builds with g++ (build/) and in the sanitizer build (build-asan/:
# clang++ with ASan and UBSan, so clang-only compile errors are caught there too), and runs every
# test in both (the console's browser tests included); any sanitizer finding fails its test.
# `tools/test.sh --clang` also builds and tests the plain clang++ build (build-clang/).
# Exits non-zero if anything fails; the last line reads "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
dirs=(build build-asan)
case "${1:-}" in
  "") ;;
  --clang) dirs+=(build-clang) ;;
  *) echo "usage: tools/test.sh [--clang]" >&2; exit 2 ;;
esac
tools/bootstrap.sh gcc
tools/bootstrap.sh asan
[ "${1:-}" != --clang ] || tools/bootstrap.sh clang

status=0
for dir in "${dirs[@]}"; do
  echo "== tests ($dir)"
  extra=()
  # Sanitized code runs ~2-3x slower: more time per test rather than fewer tests.
  [ "$dir" != build-asan ] || extra=(--timeout-multiplier 3)
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
    meson test -C "$dir" --num-processes 2 --print-errorlogs "${extra[@]}" || status=1
done

python3 - "${dirs[@]}" <<'PY'
import json
passed = failed = 0
import sys
for d in sys.argv[1:]:
    with open(f"{d}/meson-logs/testlog.json") as f:
        for line in f:
            r = json.loads(line)["result"]
            if r in ("OK", "EXPECTEDFAIL", "SKIP"):
                passed += r != "SKIP"
            else:
                failed += 1
print(f"{passed} passed, {failed} failed")
PY
exit $status
