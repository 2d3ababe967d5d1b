#!/usr/bin/env bash
# Build everything: the TypeScript projects first (the safety verifier is TypeScript), then the XDP object,
# which the Makefile verifies right after compiling it: an unsafe program fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -b
if command -v clang >/dev/null 2>&1; then
  make -s -C bpf
else
  echo "build: clang not found, skipping the XDP object (the reporter does not need it)" >&2
fi
