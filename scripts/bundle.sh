#!/usr/bin/env bash
# Build a self-contained production bundle of the collector:
#   ibsr-collect-<version>-linux-x64.tar.gz
#     bin/ibsr-collect         wrapper: runs the compiled collector with the bundled, verified object
#     collector/               compiled JavaScript + production node_modules (pnpm deploy --prod)
#     bpf/ibsr.bpf.o           the XDP object, verified by the safety verifier during this build
#     bpf/ibsr.bpf.o.sha256    its SHA-256, checked again by the wrapper before every start
#     deploy/                  systemd unit, defaults file, report timer and cron line
#     docs/                    install, operate, safety
# Needs what `bash scripts/setup.sh` installs. Usage: bash scripts/bundle.sh [out-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir=${1:-dist-bundle}
version=$(node -p 'require("./packages/collector/package.json").version')
name="ibsr-collect-${version}-linux-$(uname -m)"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

pnpm build >/dev/null
obj=bpf/build/ibsr.bpf.o
[ -f "$obj" ] || { echo "bundle: $obj was not built (is clang installed? run bash scripts/setup.sh)" >&2; exit 1; }
# The build already ran the verifier; run it once more on the exact bytes that go into the bundle.
node packages/collector/dist/cli.js verify "$obj" --source bpf/ibsr.bpf.c >/dev/null

root="$stage/$name"
mkdir -p "$root/bin" "$root/bpf" "$root/deploy" "$root/docs"
pnpm --filter @ibsr/collector deploy --prod "$root/collector" >/dev/null 2>&1
rm -rf "$root/collector/src" "$root/collector/tsconfig.json"
cp "$obj" "$root/bpf/ibsr.bpf.o"
(cd "$root/bpf" && sha256sum ibsr.bpf.o >ibsr.bpf.o.sha256)
cp deploy/* "$root/deploy/"
cp docs/install.md docs/operate.md docs/safety.md "$root/docs/" 2>/dev/null || true
cat >"$root/bin/ibsr-collect" <<'WRAP'
#!/bin/sh
# ibsr-collect from a bundle: refuse to run if the object differs from the one verified at build time.
here=$(dirname "$(readlink -f "$0")")/..
(cd "$here/bpf" && sha256sum --quiet -c ibsr.bpf.o.sha256) || { echo "ibsr-collect: bpf/ibsr.bpf.o does not match its SHA-256; reinstall the bundle" >&2; exit 4; }
IBSR_BPF_OBJECT="$here/bpf/ibsr.bpf.o" exec node "$here/collector/dist/cli.js" "$@"
WRAP
chmod 755 "$root/bin/ibsr-collect"

mkdir -p "$out_dir"
tar -C "$stage" -czf "$out_dir/$name.tar.gz" "$name"
(cd "$out_dir" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "bundle: $out_dir/$name.tar.gz ($(du -h "$out_dir/$name.tar.gz" | cut -f1), unpacked $(du -sh "$root" | cut -f1))"
echo "bundle: object sha256 $(cut -d' ' -f1 "$root/bpf/ibsr.bpf.o.sha256")"
