#!/usr/bin/env bash
# Builds the Debian package dist/ibsr_<version>_<arch>.deb with dpkg-deb (docs/install.md, "The Debian
# package"). The payload is the bundle (scripts/bundle.sh), unpacked as /opt/ibsr:
#   /opt/ibsr/...                           the bundle, unchanged (its SHA256SUMS still holds)
#   /usr/bin/ibsr-collect, ibsr-report      links to the bundle's wrappers
#   /lib/systemd/system/                    ibsr-collect.service, ibsr-report.service, ibsr-report.timer
#   /etc/default/ibsr-collect               conffile (an operator's edits survive upgrades)
#   /usr/share/man/man1/*.1.gz              generated from each command's --help (scripts/man-page.ts)
#   /usr/share/doc/ibsr/                    copyright, changelog.Debian.gz
# Maintainer scripts: packaging/deb/ (nothing is enabled on install; removal stops the collector first).
#
# Usage: bash scripts/deb.sh [--bundle TARBALL] [out-dir]   (out-dir default: dist)
#   --bundle  use this bundle tarball instead of building one (it must contain the reporter and Node.js)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out_dir=dist
bundle=
while [ $# -gt 0 ]; do
  case $1 in
  --bundle)
    bundle=${2:?--bundle needs a tarball}
    shift
    ;;
  -h | --help)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  -*)
    echo "deb: unknown option $1 (known: --bundle, --help)" >&2
    exit 2
    ;;
  *) out_dir=$1 ;;
  esac
  shift
done
fail() {
  echo "deb: $*" >&2
  exit 1
}
command -v dpkg-deb >/dev/null || fail "dpkg-deb not found (apt-get install dpkg)"

version=$(node -p 'require("./packages/collector/package.json").version')
arch=$(dpkg --print-architecture)
maintainer="IBSR maintainers <maintainers@users.noreply.b-seed-6b89e687.example>"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/root"

# 1. The bundle, unpacked as /opt/ibsr.
if [ -z "$bundle" ]; then
  rc=0
  bash scripts/bundle.sh "$stage/bundle" >"$stage/bundle.log" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then
    # Blank lines dropped: the last words of the log, whatever ended it (a signal leaves no message: the status says so).
    grep -v '^[[:space:]]*$' "$stage/bundle.log" | tail -20 >&2 || true
    fail "bash scripts/bundle.sh failed with status $rc (last lines above)"
  fi
  bundle=$(ls "$stage"/bundle/ibsr-*.tar.gz)
fi
[ -f "$bundle" ] || fail "no bundle tarball at $bundle"
mkdir -p "$root/opt" "$stage/unpack"
tar -C "$stage/unpack" -xzf "$bundle"
mv "$stage"/unpack/ibsr-* "$root/opt/ibsr"
opt="$root/opt/ibsr"
for f in bin/ibsr-collect bin/ibsr-report node/bin/node deploy/ibsr-report.service; do
  [ -e "$opt/$f" ] || fail "the bundle has no $f (build it without --no-node and --no-report)"
done

# 2. Commands on PATH, units, the defaults file.
mkdir -p "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/default" "$root/usr/share/man/man1" \
  "$root/usr/share/doc/ibsr" "$root/DEBIAN"
ln -s /opt/ibsr/bin/ibsr-collect "$root/usr/bin/ibsr-collect"
ln -s /opt/ibsr/bin/ibsr-report "$root/usr/bin/ibsr-report"
install -m 644 "$opt"/deploy/*.service "$opt"/deploy/*.timer "$root/lib/systemd/system/"
install -m 644 "$opt/deploy/ibsr-collect.default" "$root/etc/default/ibsr-collect"

# 3. Man pages, from the help text of the very wrappers being packaged.
man_page() { # <package dir> <command> <see also>
  node --import tsx scripts/man-page.ts "packages/$1/package.json" "$3" -- "$opt/bin/$2" >"$stage/$2.1"
  gzip -9n <"$stage/$2.1" >"$root/usr/share/man/man1/$2.1.gz"
}
man_page collector ibsr-collect ibsr-report
man_page report ibsr-report ibsr-collect

# 4. Copyright and changelog (Debian policy 12.5, 12.7).
cat >"$root/usr/share/doc/ibsr/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ibsr
Upstream-Contact: $maintainer

Files: *
Copyright: 2026 IBSR maintainers
License: Apache-2.0

Files: opt/ibsr/node/*
Copyright: Node.js contributors
License: Expat
Comment: The official Node.js build ($("$opt/node/bin/node" --version)). It includes third-party code under
 other permissive licences, listed in the LICENSE file of that Node.js release.

Files: opt/ibsr/lib/libbpf.so.1
Copyright: libbpf authors
License: LGPL-2.1 or BSD-2-clause
Comment: Copied from Debian's libbpf1 package on the build machine.

Files: opt/ibsr/collector/node_modules/* opt/ibsr/report/node_modules/*
Copyright: the authors of each npm package
License: various
Comment: Each package's licence is in its own folder (LICENSE, or the "license" field of package.json).

License: Apache-2.0
 On Debian systems, the complete text of the Apache License, Version 2.0 can be found in
 /usr/share/common-licenses/Apache-2.0.

License: Expat
 Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
 associated documentation files (the "Software"), to deal in the Software without restriction, including
 without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the
 following conditions:
 .
 The above copyright notice and this permission notice shall be included in all copies or substantial
 portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
 LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
 IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY,
 WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
 SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.

License: LGPL-2.1
 On Debian systems, the complete text of the GNU Lesser General Public License version 2.1 can be found in
 /usr/share/common-licenses/LGPL-2.1.

License: BSD-2-clause
 See the BSD-2-Clause licence text shipped with libbpf's sources (LICENSE.BSD-2-Clause).
EOF
{
  echo "ibsr ($version) unstable; urgency=medium"
  echo
  echo "  * Built by scripts/deb.sh from the bundle $(basename "$bundle")."
  echo
  echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$root/usr/share/doc/ibsr/changelog.Debian.gz"

# 5. Control files.
for s in preinst postinst prerm postrm; do install -m 755 "packaging/deb/$s" "$root/DEBIAN/$s"; done
echo /etc/default/ibsr-collect >"$root/DEBIAN/conffiles"
installed_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
# Depends: what the bundled Node.js, libbpf and native addons link against. The bundle brings its own
# libbpf.so.1 (Ubuntu 22.04 has only 0.5), so libbpf1 is not needed. systemd only runs the service.
cat >"$root/DEBIAN/control" <<EOF
Package: ibsr
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_kb
Depends: libc6 (>= 2.28), libgcc-s1, libstdc++6, libelf1, zlib1g
Recommends: systemd
Suggests: ethtool
Section: net
Priority: optional
Description: shadow-mode XDP traffic collector and enforcement-simulation reporter
 IBSR (Inline Block Simulation Report) counts TCP traffic per source toward
 monitored ports with an XDP program that only observes (it never drops,
 redirects or modifies a packet), writes Parquet snapshots, and turns them
 into a report of what a blocking rule set would have done.
 .
 This package installs the self-contained bundle under /opt/ibsr (with its
 own Node.js and libbpf), the commands ibsr-collect and ibsr-report, and the
 systemd units. Nothing is enabled on install: set the ports and interface in
 /etc/default/ibsr-collect, then run: systemctl enable --now ibsr-collect
EOF
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z | xargs -0 md5sum | sed 's| \./| |') \
  >"$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

mkdir -p "$out_dir"
deb="$out_dir/ibsr_${version}_${arch}.deb"
# gzip -6: measured on this payload (218 MB installed, mostly native code) on 2 shared cores: 10 s and 73 MB;
# gzip -9 took 39 s for 0.6 % less, xz -6 138 s for 50 MB. gzip also installs with every dpkg.
dpkg-deb --build --root-owner-group -Zgzip -z6 "$root" "$deb" >/dev/null
echo "deb: $deb ($(du -h "$deb" | cut -f1), installed ${installed_kb} KB)"
cd "$repo"
