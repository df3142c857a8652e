#!/usr/bin/env bash
# The Debian package (tools/package.sh, issue 19): contents, metadata, lintian, the unit's
# systemd-analyze verdicts; then, as root on a machine without mhero installed, `dpkg -i`, the
# system user and its 0700 data directory, `mhero --version` and `mhero run` telling the notify
# socket READY/STOPPING as systemd would see it, and `dpkg --purge`. Exit 0 = pass, 77 = the
# install half was skipped (not root, or a real mhero package is installed here).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
created_user=0 created_dir=0 installed=0
cleanup() {
  set +e
  [ -z "${run_pid:-}" ] || kill "$run_pid" 2>/dev/null
  [ -z "${listener_pid:-}" ] || kill "$listener_pid" 2>/dev/null
  ((installed)) && dpkg --purge mhero >/dev/null 2>&1
  ((created_dir)) && rm -rf /var/lib/mhero
  ((created_user)) && deluser --system --quiet mhero >/dev/null 2>&1 && delgroup --system --quiet mhero >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

deb=$(tools/package.sh "$work/dist" | tail -1)
[ -f "$deb" ] || fail "tools/package.sh made no package"
version=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg-deb -f "$deb" Architecture)
[ "$(basename "$deb")" = "mhero_${version}_${arch}.deb" ] || fail "package name $(basename "$deb")"
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes"

contents=$(dpkg-deb -c "$deb" | awk '{print $1, $6}')
for path in ./usr/bin/mhero ./usr/lib/mhero/rapidpro-emulator ./usr/lib/mhero/openinfoman-emulator \
            ./usr/lib/mhero/fhir-emulator ./usr/lib/mhero/linksim ./lib/systemd/system/mhero.service \
            ./usr/share/man/man1/mhero.1.gz ./usr/share/doc/mhero/copyright ./usr/share/doc/mhero/README.md.gz; do
  grep -q " $path\$" <<<"$contents" || fail "$path missing from the package"
done
grep -q '^-rwxr-xr-x ./usr/bin/mhero$' <<<"$contents" || fail "/usr/bin/mhero is not 0755"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in librocksdb libsodium libcapnp libssl3 libsystemd0 adduser; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
file_of() { dpkg-deb --fsys-tarfile "$deb" | tar -xO "$1"; }
file_of ./usr/bin/mhero >"$work/mhero" && chmod +x "$work/mhero"
file "$work/mhero" | grep -q "stripped" && ! file "$work/mhero" | grep -q "not stripped" ||
  fail "/usr/bin/mhero is not stripped"
file_of ./usr/share/man/man1/mhero.1.gz | gunzip | grep -q '^\.TH MHERO "1"' || fail "man page header"

# lintian: no error or warning (the info-level tags are explained in README "Installing on a server").
lintian_out=$(lintian --allow-root "$deb" 2>&1 || true)
if grep -E '^[EW]: ' <<<"$lintian_out"; then fail "lintian reported the lines above"; fi
echo "lintian: no errors or warnings"

# The unit: hardened to an exposure of at most 2.0 ("OK").
file_of ./lib/systemd/system/mhero.service >"$work/mhero.service"
score=$(systemd-analyze security --offline=true "$work/mhero.service" 2>&1 |
  sed -n 's/.*Overall exposure level for mhero.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "systemd-analyze security printed no score"
python3 -c "import sys; sys.exit(0 if float('$score') <= 2.0 else 1)" || fail "exposure $score > 2.0"
echo "systemd-analyze security: exposure $score"

if [ "$(id -u)" != 0 ]; then echo "SKIP install: needs root"; exit 77; fi
if dpkg-query -W -f='${Status}' mhero 2>/dev/null | grep -q "install ok installed"; then
  echo "SKIP install: a real mhero package is installed on this machine; not touching it"; exit 77
fi
getent passwd mhero >/dev/null || created_user=1
[ -e /var/lib/mhero ] || created_dir=1
installed=1
DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i"; }
[ "$(/usr/bin/mhero --version)" = "mhero $version" ] || fail "installed mhero --version: $(/usr/bin/mhero --version)"
getent passwd mhero | grep -q ':/var/lib/mhero:/usr/sbin/nologin$' || fail "system user: $(getent passwd mhero)"
[ "$(stat -c '%U %a' /var/lib/mhero)" = "mhero 700" ] || fail "/var/lib/mhero is $(stat -c '%U %a' /var/lib/mhero)"
verify=$(systemd-analyze verify /lib/systemd/system/mhero.service 2>&1 || true)
grep -v -e 'Failed to connect' -e 'Unit is bound to inactive' <<<"$verify" | grep . && fail "systemd-analyze verify"
echo "installed: mhero --version = $version, user mhero, /var/lib/mhero mhero 0700, unit verifies"

# Root must not write into the service's data (files it made would lock the service out).
refused=$(/usr/bin/mhero init --dir /var/lib/mhero --role central 2>&1 || true)
grep -q "belongs to mhero" <<<"$refused" || fail "root init into /var/lib/mhero was not refused: $refused"

# As the unit runs it: the mhero user, NOTIFY_SOCKET; READY once serving, STOPPING on SIGTERM.
runuser -u mhero -- /usr/bin/mhero init --dir /var/lib/mhero --role central >/dev/null
chmod 0711 "$work"
python3 - "$work/notify" >"$work/notify.log" <<'PY' &
import socket, sys, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777)
s.settimeout(60)
for _ in range(2):
    print(s.recv(4096).decode().replace("\n", " | "), flush=True)
PY
listener_pid=$!
for _ in $(seq 50); do [ -S "$work/notify" ] && break; sleep 0.1; done
# setpriv execs mhero itself (runuser would stay as the parent and turn SIGTERM into 143).
NOTIFY_SOCKET=$work/notify setpriv --reuid=mhero --regid=mhero --init-groups /usr/bin/mhero run --dir /var/lib/mhero \
  --listen 127.0.0.1:0 >"$work/run.log" 2>&1 &
run_pid=$!
for _ in $(seq 300); do grep -q READY=1 "$work/notify.log" && break; sleep 0.1; done
grep -q "READY=1 | STATUS=central node" "$work/notify.log" || { cat "$work/run.log"; fail "no READY=1"; }
[ "$(/usr/bin/mhero --dir /var/lib/mhero status 2>&1 | head -1 | cut -d' ' -f1)" != node ] ||
  fail "root's command was forwarded into the service (the control socket must refuse other users)"
kill -TERM "$run_pid"; wait "$run_pid" || fail "mhero run exited $? on SIGTERM"; run_pid=
wait "$listener_pid" || true; listener_pid=
grep -q "STOPPING=1" "$work/notify.log" || fail "no STOPPING=1: $(cat "$work/notify.log")"
echo "notify socket: $(tr '\n' ' ' <"$work/notify.log")"

dpkg --purge mhero >/dev/null 2>&1 || fail "dpkg --purge"
installed=0
[ ! -e /usr/bin/mhero ] || fail "/usr/bin/mhero left after purge"
[ -e /var/lib/mhero/node.key ] || fail "purge deleted the node's data (it must be kept)"
echo "purged: binaries gone, /var/lib/mhero kept"
