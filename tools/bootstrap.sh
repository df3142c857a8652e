#!/usr/bin/env bash
# Installs every build and test dependency (Debian 12 packages; idempotent, a quick no-op when
# all are present), then configures and builds with meson + ninja.
#
#   tools/bootstrap.sh            # g++ build in build/
#   tools/bootstrap.sh clang      # clang++ build in build-clang/
#   tools/bootstrap.sh both       # both
#   tools/bootstrap.sh asan       # clang++ with ASan+UBSan and the libFuzzer targets, build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential g++ clang meson ninja-build pkg-config ccache
  librocksdb-dev libboost-dev libboost-system-dev capnproto libcapnp-dev libzstd-dev zstd
  libsodium-dev catch2 libssl-dev openssl libpugixml-dev nlohmann-json3-dev libphonenumber-dev
  libcli11-dev libtomlplusplus-dev libspdlog-dev libfmt-dev libsystemd-dev
  nncp python3 curl
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
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
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

build() {  # build DIR CXX [MESON-SETUP-ARGS...] (default: --buildtype=debugoptimized)
  local dir=$1 cxx=$2
  shift 2
  (($#)) || set -- --buildtype=debugoptimized
  set -- --prefix=/usr "$@"  # tools/package.sh installs the g++ build as the Debian package
  local launcher=""
  command -v ccache >/dev/null && launcher="ccache "
  if [ ! -f "$dir/build.ninja" ]; then
    CXX="$launcher$cxx" meson setup "$dir" "$@" >/dev/null
  fi
  ninja -C "$dir" >/dev/null || ninja -C "$dir"  # second run prints the errors plainly
}

case "${1:-gcc}" in
  gcc) build build g++ ;;
  clang) build build-clang clang++ ;;
  both) build build g++; build build-clang clang++ ;;
  # Sanitizer + fuzzing build (README "Reliability"): -O1 keeps both compile and test time down;
  # -Dfuzz=true adds libFuzzer's coverage instrumentation, so one build serves tests and fuzzing.
  asan) build build-asan clang++ --buildtype=debug -Doptimization=1 -Dbenchmarks=false \
          -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true \
          -Dcpp_args=-fno-omit-frame-pointer ;;
  *) echo "usage: tools/bootstrap.sh [gcc|clang|both|asan]" >&2; exit 2 ;;
esac
