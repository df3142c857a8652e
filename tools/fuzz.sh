#!/usr/bin/env bash
# Builds the sanitizer build with its libFuzzer targets (tools/bootstrap.sh asan, build-asan/)
# and runs every target of tools/fuzz/ for SECONDS (default 30) each, one after the other, from
# fresh seed corpora: what fuzz-seeds writes (the node's own writers), the real files of
# ../shared/data (CSD documents and value sets, RapidPro API v2 replies) and tools/fuzz/seeds/.
# Prints per target: executions, coverage (libFuzzer's cov: edges, ft: features), crashes.
# Exits 1 if any target crashed; the input is kept in build-asan/fuzz/crashes/ (replay it with
# build-asan/tools/fuzz/fuzz-TARGET FILE).
#
#   tools/fuzz.sh [SECONDS] [TARGET...]     e.g. tools/fuzz.sh 60 csd entry
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(sync_frame sync_message bundle_header bundle_body entry csd openinfoman
                               rapidpro http_request config district_map sync_records)

[ -n "${MHERO_NO_BUILD:-}" ] || tools/bootstrap.sh asan  # MHERO_NO_BUILD=1: use build-asan as is.
data=${MHERO_SHARED_DATA:-../shared/data}
[ -d "$data" ] || data=/work/shared/data
work=build-asan/fuzz
rm -rf "$work"
mkdir -p "$work/seeds" "$work/crashes" "$work/tmp"
build-asan/tools/fuzz/fuzz-seeds "$work/seeds"
cp -r tools/fuzz/seeds/. "$work/seeds/"
mkdir -p "$work/seeds/csd" "$work/seeds/openinfoman" "$work/seeds/rapidpro"
for f in "$data"/csd/CSD-*-Connectathon-*.xml "$data"/csd/value-sets/*.xml tests/registry/data/csd/*.xml; do
  [ "$(stat -c %s "$f")" -le 65536 ] || continue  # providers.xml (700 KB) would slow every run.
  cp "$f" "$work/seeds/csd/"
done
cp "$data"/csd/CSD-Providers-Connectathon-*.xml "$data"/csd/CSD-Facilities-Connectathon-*.xml \
   "$work/seeds/openinfoman/"
cp "$data"/rapidpro-v2/*.json "$work/seeds/rapidpro/"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export TMPDIR=$PWD/$work/tmp  # The config and district map targets write scratch files here.

failed=0
printf '%-14s %12s %8s %8s %8s  %s\n' target executions cov ft crashes corpus
for t in "${targets[@]}"; do
  exe=build-asan/tools/fuzz/fuzz-${t//_/-}
  corpus=$work/corpus/$t
  mkdir -p "$corpus"
  max_len=16384
  case $t in csd|openinfoman) max_len=65536 ;; esac
  log=$work/$t.log
  rc=0
  "$exe" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/crashes/$t-" "$corpus" "$work/seeds/$t" \
    >"$log" 2>&1 || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  [ -n "$execs" ] || execs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
  crashes=$(find "$work/crashes" -name "$t-*" | wc -l)
  ((rc == 0 && crashes == 0)) || { failed=1; ((crashes)) || crashes="exit $rc"; }
  printf '%-14s %12s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$crashes" \
    "$(find "$corpus" -type f | wc -l) inputs"
  if ((rc != 0)); then
    grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==' "$log" | head -n 5 | sed 's/^/    /'
  fi
done
rm -rf "$work/tmp"
exit $failed
