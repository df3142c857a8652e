#!/usr/bin/env bash
# Installs what is missing, builds with g++ (build/) and clang++ (build-clang/), and runs every
# test with both. Exits non-zero if anything fails; the last line reads "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh both

status=0
for dir in build build-clang; do
  echo "== tests ($dir)"
  meson test -C "$dir" --num-processes 2 --print-errorlogs || status=1
done

python3 - <<'PY'
import json
passed = failed = 0
for d in ("build", "build-clang"):
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
