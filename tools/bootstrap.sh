#!/usr/bin/env bash
# Installs every build and test dependency (Debian 12 packages; idempotent, a quick no-op when
# all are present), then configures and builds with meson + ninja, showing its progress.
#
#   tools/bootstrap.sh            # g++ build in build/
#   tools/bootstrap.sh clang      # clang++ build in build-clang/
#   tools/bootstrap.sh both       # both
#   tools/bootstrap.sh asan       # clang++ with ASan+UBSan and the libFuzzer targets, build-asan/
#   tools/bootstrap.sh gcc TARGET...  # only these ninja targets (e.g. src/mhero), as the demo does
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential g++ clang lld meson ninja-build pkg-config ccache
  librocksdb-dev libboost-dev libboost-system-dev capnproto libcapnp-dev libzstd-dev zstd
  libsodium-dev catch2 libssl-dev openssl libpugixml-dev nlohmann-json3-dev libphonenumber-dev
  libcli11-dev libtomlplusplus-dev libspdlog-dev libfmt-dev libsystemd-dev
  nncp python3 curl
  gnuplot-nox  # tools/countrysim's plot of the season (README "Field behaviour")
  chromium   # the console's browser tests (Debian's build; playwright-core drives it)
  prometheus # promtool checks /metrics (tests/ops)
  dpkg-dev fakeroot help2man lintian  # the Debian package and its test (tools/package.sh),
  adduser init-system-helpers file systemd  # which installs it and checks the unit
)

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# apt's and ninja's own lines, thinned out: what is being installed or built, never a silent wait.
apt_progress() { awk '/^Setting up /{ n++; printf "bootstrap: [%d] %s\n", n, $3; fflush() }'; }
setup_started=$SECONDS
if ((${#missing[@]})); then
  echo "bootstrap: installing ${#missing[@]} Debian packages (and their dependencies; a few minutes on a fresh machine): ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" | apt_progress
fi

# Node.js for the console's browser tests (node --test + playwright-core, pinned in
# tests/browser/package-lock.json; playwright-core never downloads a browser: Debian's chromium).
if ! command -v node >/dev/null; then
  echo "bootstrap: installing nodejs npm"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ ! -f tests/browser/node_modules/.package-lock.json ] ||
   [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
  echo "bootstrap: npm ci in tests/browser"
  (cd tests/browser && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
fi
((SECONDS - setup_started < 2)) || echo "bootstrap: packages set up in $((SECONDS - setup_started)) s"

# ninja's "[n/N] Compiling ..." lines: on a terminal ninja draws them on one line itself; in a
# log every 5 % is printed, every error line in full, and a line each minute without one (a
# unity translation unit can take several minutes on a slow or busy machine: never a silent wait).
ninja_progress() {  # ninja_progress DIR: ninja's "[n/N] …" lines as a line every 5 %, the rest as is.
  # A bash loop, not awk: Debian's awk (mawk) reads a pipe in large blocks, so its lines would
  # come in bursts minutes late on a cold build.
  local dir=$1 shown=0 line partial="" rc step=0 total="?" pct started=$SECONDS
  local re='^\[([0-9]+)/([0-9]+)\] '
  while true; do
    rc=0
    IFS= read -r -t 60 line || rc=$?
    if ((rc > 128)); then  # A minute without a whole line: say that it is still going.
      partial+=$line
      echo "bootstrap: $dir still building: $step of $total steps done, $(((SECONDS - started) / 60)) min so far"
      continue
    fi
    line=$partial$line partial=""
    ((rc == 0)) || [[ -n $line ]] || break  # The end of ninja's output.
    if [[ $line =~ $re ]]; then
      step=${BASH_REMATCH[1]} total=${BASH_REMATCH[2]}
      pct=$((100 * step / total))
      if ((pct >= shown + 5 || step == total)); then
        shown=$pct
        echo "bootstrap: $dir $pct % [$step/$total]"
      fi
    else
      printf '%s\n' "$line"
    fi
  done
}

build() {  # build DIR CXX [MESON-SETUP-ARGS...] (default: --buildtype=debugoptimized)
  local dir=$1 cxx=$2
  shift 2
  # -g1 (line tables and function names): backtraces and sanitizer reports keep file:line, and
  # the build is about a third faster than with -g (34 s -> 23 s on the heaviest unit). For gdb
  # with local variables: meson configure DIR -Dcpp_args=-g.
  (($#)) || set -- --buildtype=debugoptimized -Dcpp_args=-g1
  set -- --prefix=/usr "$@"  # tools/package.sh installs the g++ build as the Debian package
  local launcher=""
  command -v ccache >/dev/null && launcher="ccache "
  if [ ! -f "$dir/build.ninja" ]; then
    CXX="$launcher$cxx" meson setup "$dir" "$@" >/dev/null
  fi
  local started=$SECONDS what="everything"
  ((${#targets[@]})) && what="${targets[*]}"
  echo "bootstrap: building $dir ($what) with $cxx, $(nproc) jobs"
  if [ -t 1 ]; then
    ninja -C "$dir" -j "$(nproc)" "${targets[@]}"
  else
    ninja -C "$dir" -j "$(nproc)" "${targets[@]}" | ninja_progress "$dir"
  fi
  echo "bootstrap: $dir built in $((SECONDS - started)) s"
}

mode=${1:-gcc}
(($#)) && shift
targets=("$@")  # Ninja targets to build; none: all of them.
case "$mode" in
  gcc) build build g++ ;;
  clang) build build-clang clang++ ;;
  both) build build g++; build build-clang clang++ ;;
  # Sanitizer + fuzzing build (README "Reliability"): -O1 keeps both compile and test time down;
  # -Dfuzz=true adds libFuzzer's coverage instrumentation, so one build serves tests and fuzzing;
  # line tables are all a report's file:line needs (-g costs 9 % more compile time here);
  # executables linked as non-PIE start 22 % faster sanitized (0.162 -> 0.126 s, no 650,000
  # relative relocations to apply), and the tests start sanitized `mhero` hundreds of times.
  asan) build build-asan clang++ --buildtype=debug -Doptimization=1 -Dbenchmarks=false \
          -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true \
          "-Dcpp_args=-fno-omit-frame-pointer -gline-tables-only" -Dcpp_link_args=-no-pie ;;
  *) echo "usage: tools/bootstrap.sh [gcc|clang|both|asan] [NINJA-TARGET...]" >&2; exit 2 ;;
esac
