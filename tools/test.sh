#!/usr/bin/env bash
# Installs what is missing, builds with g++ (build/) and with clang++ under AddressSanitizer and
# UndefinedBehaviorSanitizer (build-asan/; any finding, a leak too, fails its test), and runs
# every test in both (the console's browser tests included). `tools/test.sh --clang` adds the
# plain optimised clang++ build (build-clang/). Exits non-zero if anything fails; the last line
# reads "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
dirs=(build build-asan)
tools/bootstrap.sh gcc
tools/bootstrap.sh asan
if [ "${1:-}" = --clang ]; then
  tools/bootstrap.sh clang
  dirs+=(build-clang)
fi

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
