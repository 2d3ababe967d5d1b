#!/usr/bin/env bash
# Builds the self-contained production bundle: one tarball to unpack into /opt/ibsr (docs/install.md).
#
#   ibsr-<version>-linux-<arch>/
#     bin/ibsr-collect        wrapper: checks bpf/ibsr.bpf.o against its SHA-256, then runs the collector
#     bin/ibsr-report         wrapper for the reporter
#     bin/ibsr-daily-report   one whole UTC day -> reports/<day>/ (used by the timer and the cron line)
#     node/bin/node           the Node.js this was built and tested with (omit: --no-node)
#     lib/libbpf.so.1         the libbpf the collector was tested with (Ubuntu 22.04 ships only 0.5)
#     collector/  report/     compiled JavaScript + production node_modules (pnpm deploy --prod)
#     bpf/ibsr.bpf.o          the XDP object, verified by the safety verifier in this build
#     bpf/ibsr.bpf.o.sha256   its SHA-256
#     deploy/  docs/          systemd units, defaults file, timer, cron line; install/operate/safety
#     MANIFEST                versions, object hash, build time; SHA256SUMS of every file
#
# Usage: bash scripts/bundle.sh [--no-node] [--no-report] [out-dir]   (out-dir default: dist-bundle)
# Needs what `bash scripts/setup.sh` installs (clang, libbpf-dev, pnpm). Prints the tarball's path and size.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

with_node=1
with_report=1
out_dir=dist-bundle
for arg in "$@"; do
  case $arg in
  --no-node) with_node=0 ;;
  --no-report) with_report=0 ;;
  -h | --help)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  -*)
    echo "bundle: unknown option $arg (known: --no-node, --no-report, --help)" >&2
    exit 2
    ;;
  *) out_dir=$arg ;;
  esac
done

fail() {
  echo "bundle: $*" >&2
  exit 1
}

version=$(node -p 'require("./packages/collector/package.json").version')
arch=$(uname -m)
name="ibsr-${version}-linux-${arch}"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"

# 1. Build: tsc, then the XDP object (its Makefile runs the safety verifier: an unsafe program fails here).
bash scripts/build.sh >"$stage/build.log" 2>&1 || {
  tail -20 "$stage/build.log" >&2
  fail "bash scripts/build.sh failed (whole log above); fix the build first"
}
obj=bpf/build/ibsr.bpf.o
[ -f "$obj" ] || fail "$obj was not built (is clang installed? run bash scripts/setup.sh)"

mkdir -p "$root/bin" "$root/bpf" "$root/deploy" "$root/docs" "$root/lib"

# 2. The object: copy first, then verify the copy, so the bytes checked are the bytes shipped.
cp "$obj" "$root/bpf/ibsr.bpf.o"
node packages/collector/dist/cli.js verify "$root/bpf/ibsr.bpf.o" --source bpf/ibsr.bpf.c >"$stage/verify.log" 2>&1 || {
  cat "$stage/verify.log" >&2
  fail "the safety verifier refused $obj; nothing was bundled"
}
(cd "$root/bpf" && sha256sum ibsr.bpf.o >ibsr.bpf.o.sha256)

# 3. JavaScript with production dependencies only; tests, sources, maps and type declarations dropped.
deploy_pkg() { # <filter> <dest>
  pnpm --filter "$1" deploy --prod "$2" >"$stage/deploy.log" 2>&1 || {
    cat "$stage/deploy.log" >&2
    fail "pnpm deploy of $1 failed"
  }
  rm -rf "$2/src" "$2/tsconfig.json" "$2/tsconfig.tsbuildinfo" "$2/pnpm-workspace.yaml" "$2"/node_modules/.pnpm-workspace-state*.json
  find "$2" \( -name '*.test.js' -o -name '*.test.d.ts' -o -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -type f -delete
}
deploy_pkg @ibsr/collector "$root/collector"
[ "$with_report" = 1 ] && deploy_pkg @ibsr/report "$root/report"

# 4. Runtime pieces: Node.js and libbpf.so.1, so the target needs neither NodeSource nor libbpf 1.x.
if [ "$with_node" = 1 ]; then
  mkdir -p "$root/node/bin"
  # The primary runtime (scripts/node-versions.sh), whatever node runs this script.
  bundled_node="$(bash "$repo/scripts/install-node.sh" 24)/node"
  cp "$bundled_node" "$root/node/bin/node"
fi
# awk reads to the end (no early exit): ldconfig still writing into a closed pipe dies of SIGPIPE, and with
# pipefail the script stopped there with status 141 and nothing said (a CI run failed so).
libbpf=$(ldconfig -p | awk '$1 == "libbpf.so.1" && !found { print $NF; found = 1 }')
[ -n "$libbpf" ] && [ -e "$libbpf" ] || fail "libbpf.so.1 not found (apt-get install libbpf1)"
cp -L "$libbpf" "$root/lib/libbpf.so.1"

# 5. Wrappers. Both pick the bundled node when present, else the node on PATH (must be >= NODE_MIN).
. "$repo/scripts/node-versions.sh"
min_major=${NODE_MIN%%.*}
min_minor=$(echo "$NODE_MIN" | cut -d. -f2)
common_sh='root=$(dirname "$(dirname "$(readlink -f "$0")")")
if [ -x "$root/node/bin/node" ]; then node="$root/node/bin/node"; else node=${IBSR_NODE:-node}; fi
"$node" -e "const [a,b]=process.versions.node.split(\".\").map(Number);process.exit(a>'$min_major'||(a==='$min_major'&&b>='$min_minor')?0:1)" 2>/dev/null || {
  echo "$(basename "$0"): needs Node.js >= '$NODE_MIN' (found: $("$node" --version 2>/dev/null || echo none)); use the bundle built with node, or set IBSR_NODE" >&2
  exit 3
}'
cat >"$root/bin/ibsr-collect" <<WRAP
#!/bin/sh
# ibsr-collect from the bundle. Refuses to start (exit 4, like any unsafe object) when bpf/ibsr.bpf.o is not
# the object verified when the bundle was built; the collector then verifies the bytes it loads once more.
set -eu
$common_sh
obj="\$root/bpf/ibsr.bpf.o"
want=\$(cut -d' ' -f1 "\$obj.sha256" 2>/dev/null || true)
have=\$(sha256sum "\$obj" 2>/dev/null | cut -d' ' -f1 || true)
if [ -z "\$want" ] || [ "\$want" != "\$have" ]; then
  echo "ibsr-collect: \$obj does not match the SHA-256 recorded when the bundle was built (expected \${want:-<missing>}, found \${have:-<unreadable>}); the object was changed or damaged: reinstall the bundle" >&2
  exit 4
fi
if [ -e "\$root/lib/libbpf.so.1" ]; then LD_LIBRARY_PATH="\$root/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"; export LD_LIBRARY_PATH; fi
IBSR_BPF_OBJECT="\$obj"
export IBSR_BPF_OBJECT
exec "\$node" --max-semi-space-size=1 --expose-gc --no-concurrent-recompilation --wasm-sync-tier-up --wasm-tiering-budget=300000 "\$root/collector/dist/cli.js" "\$@"
WRAP
if [ "$with_report" = 1 ]; then
  cat >"$root/bin/ibsr-report" <<WRAP
#!/bin/sh
# ibsr-report from the bundle.
set -eu
$common_sh
exec "\$node" "\$root/report/dist/cli.js" "\$@"
WRAP
  cp deploy/ibsr-daily-report "$root/bin/ibsr-daily-report"
fi
chmod 755 "$root"/bin/*

# 6. Units and docs.
cp deploy/ibsr-collect.service deploy/ibsr-collect.default "$root/deploy/"
[ "$with_report" = 1 ] && cp deploy/ibsr-report.service deploy/ibsr-report.timer deploy/ibsr-report.cron "$root/deploy/"
for d in install operate safety collector; do
  [ -f "docs/$d.md" ] && cp "docs/$d.md" "$root/docs/"
done

# The service runs as a dynamic user: everything must be readable (and folders searchable) by others.
chmod -R a+rX,go-w "$root"

# 7. What is inside, and checksums of everything.
{
  echo "name $name"
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit $(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet HEAD 2>/dev/null || echo '+dirty')"
  echo "node $([ "$with_node" = 1 ] && "$root/node/bin/node" --version || echo "not bundled (needs >= $NODE_MIN on PATH)")"
  echo "libbpf $(basename "$(readlink -f "$libbpf")")"
  echo "report $([ "$with_report" = 1 ] && echo included || echo 'not bundled')"
  echo "object-sha256 $(cut -d' ' -f1 "$root/bpf/ibsr.bpf.o.sha256")"
} >"$root/MANIFEST"
(cd "$root" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum >SHA256SUMS)

mkdir -p "$out_dir"
tarball="$out_dir/$name.tar.gz"
tar -C "$stage" -czf "$tarball" "$name"
(cd "$out_dir" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "bundle: $tarball ($(du -h "$tarball" | cut -f1), unpacked $(du -sh "$root" | cut -f1))"
echo "bundle: object sha256 $(cut -d' ' -f1 "$root/bpf/ibsr.bpf.o.sha256")"
