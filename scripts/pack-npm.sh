#!/usr/bin/env bash
# Packs the npm tarballs (docs/install.md, "With npm"):
#   ibsr-contract-<v>.tgz    @ibsr/contract, no dependencies
#   ibsr-collector-<v>.tgz   @ibsr/collector: bin ibsr-collect, the verified XDP object in bpf/, contract bundled
#   ibsr-report-<v>.tgz      @ibsr/report: bin ibsr-report, contract bundled
# `npm i -g ibsr-report-<v>.tgz ibsr-collector-<v>.tgz` needs only the public registry for the external
# dependencies (DuckDB, parquet-wasm, koffi, handlebars): the internal @ibsr/contract
# travels inside each tarball (bundleDependencies), as a copy of its own packed tarball, because pnpm's
# symlinked node_modules cannot be bundled. Tarballs hold dist/ without tests, testing helpers, source maps
# or TypeScript sources (each package.json's `files`).
#
# Usage: bash scripts/pack-npm.sh [out-dir]   (default: dist/npm). Prints the tarballs' paths.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
out_dir=dist/npm
for arg in "$@"; do
  case $arg in
  -h | --help)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  -*)
    echo "pack-npm: unknown option $arg (known: --help)" >&2
    exit 2
    ;;
  *) out_dir=$arg ;;
  esac
done
fail() {
  echo "pack-npm: $*" >&2
  exit 1
}
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# tsc, then the XDP object (its Makefile runs the safety verifier).
bash scripts/build.sh >"$stage/build.log" 2>&1 || {
  tail -20 "$stage/build.log" >&2
  fail "bash scripts/build.sh failed (last lines above)"
}
obj=bpf/build/ibsr.bpf.o
[ -f "$obj" ] || fail "$obj was not built (is clang installed? run bash scripts/setup.sh)"

stage_pkg() { # <name>: packages/<name> -> $stage/<name> (manifest, dist, licence, readme)
  local dir="$stage/$1"
  mkdir -p "$dir"
  node --import tsx scripts/npm-manifest.ts "packages/$1/package.json" "$dir/package.json"
  cp -R "packages/$1/dist" "$dir/dist"
  cp LICENSE "$dir/LICENSE"
  [ -f "packages/$1/README.md" ] && cp "packages/$1/README.md" "$dir/"
  return 0
}
pack() { # <staged dir> <dest>: prints the tarball's file name
  (cd "$1" && npm pack --silent --pack-destination "$2") | tail -1
}

stage_pkg contract
contract_tgz=$(pack "$stage/contract" "$stage")
for p in collector report; do
  stage_pkg $p
  # The internal dependency, bundled: the contract exactly as its own tarball holds it.
  mkdir -p "$stage/$p/node_modules/@ibsr/contract"
  tar -xzf "$stage/$contract_tgz" --strip-components=1 -C "$stage/$p/node_modules/@ibsr/contract"
done

# The collector's object: copied, then the copy verified, so the bytes checked are the bytes packed. The
# collector finds it as <package>/bpf/ibsr.bpf.o (kernel/file.ts) and verifies it again before each load.
mkdir -p "$stage/collector/bpf"
cp "$obj" "$stage/collector/bpf/ibsr.bpf.o"
node packages/collector/dist/cli.js verify "$stage/collector/bpf/ibsr.bpf.o" >"$stage/verify.log" 2>&1 || {
  cat "$stage/verify.log" >&2
  fail "the safety verifier refused $obj; nothing was packed"
}
(cd "$stage/collector/bpf" && sha256sum ibsr.bpf.o >ibsr.bpf.o.sha256)

cp "$stage/$contract_tgz" "$out_dir/"
echo "$out_dir/$contract_tgz"
for p in collector report; do
  echo "$out_dir/$(pack "$stage/$p" "$out_dir")"
done
cd "$repo"
