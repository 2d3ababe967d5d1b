#!/usr/bin/env bash
# Build everything: the XDP object (when clang is present), then the TypeScript projects.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f bpf/Makefile ]; then
  if command -v clang >/dev/null 2>&1; then make -s -C bpf; else echo "build: clang not found, skipping the BPF object (the reporter does not need it)" >&2; fi
fi
npx tsc -b
