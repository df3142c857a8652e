#!/usr/bin/env bash
# Builds the Debian package mhero_<version>_<arch>.deb from the g++ build (README "Installing on a
# server"): meson install into a staging root, the systemd unit, a man page made by help2man
# from `mhero --help-all`, the docs, maintainer scripts from packaging/debian/, dependencies from
# dpkg-shlibdeps, stripped binaries, md5sums; then dpkg-deb. Prints the path of the .deb.
#
#   tools/package.sh [OUT_DIR]     # default: dist/
#
# Checks (tests/packaging/package_test.sh): lintian, systemd-analyze verify/security, dpkg -i.
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir=$(realpath -m "${1:-dist}")
tools/bootstrap.sh gcc
for tool in help2man dpkg-shlibdeps fakeroot; do
  command -v "$tool" >/dev/null || {
    echo "package: installing help2man dpkg-dev fakeroot"
    DEBIAN_FRONTEND=noninteractive ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )} \
      apt-get install -y -qq --no-install-recommends help2man dpkg-dev fakeroot >/dev/null
    break
  }
done

version=$(meson introspect build --projectinfo | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
[ "$(meson configure build | awk '$1 == "prefix" {print $2}')" = /usr ] || meson configure build -Dprefix=/usr >/dev/null
meson install -C build --destdir "$root" --no-rebuild --quiet

# Binaries: stripped as dh_strip does (the debug info stays in build/).
for f in "$root"/usr/bin/* "$root"/usr/lib/mhero/*; do
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$f"
done

install -D -m 0644 packaging/mhero.service "$root/lib/systemd/system/mhero.service"

doc=$root/usr/share/doc/mhero
install -d "$doc"
gzip -9n <README.md >"$doc/README.md.gz"
install -m 0644 packaging/debian/copyright "$doc/copyright"
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}")/" \
  packaging/debian/changelog | gzip -9n >"$doc/changelog.gz"  # a native package (version without a Debian revision)

man=$root/usr/share/man/man1
install -d "$man"
help2man --no-info --help-option=--help-all --version-option=--version \
  --name "offline-first sync node for mHero" --section 1 --source "mhero $version" \
  "$root/usr/bin/mhero" | gzip -9n >"$man/mhero.1.gz"

find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod go+r,u+w {} +

debian=$stage/debian
install -d "$root/DEBIAN" "$debian"
for s in postinst prerm postrm; do install -m 0755 "packaging/debian/$s" "$root/DEBIAN/$s"; done
# dpkg-shlibdeps wants a debian/control naming the binary package.
printf 'Source: mhero\n\nPackage: mhero\nArchitecture: any\n' >"$debian/control"
depends=$(cd "$stage" && dpkg-shlibdeps -O -e"$root/usr/bin/mhero" "$root"/usr/lib/mhero/* 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
  packaging/debian/control.in >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
  >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

mkdir -p "$out_dir"
deb=$out_dir/mhero_${version}_${arch}.deb
fakeroot dpkg-deb --build -Zxz --root-owner-group "$root" "$deb" >/dev/null
echo "$deb"
