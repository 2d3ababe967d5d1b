#!/usr/bin/env bash
# The one test command (README, CI): unit tests beside the code (packages/*/src/**/*.test.ts, lab/) and
# end-to-end/live tests in test/. node:test through tsx; files run one at a time because live tests
# share the kernel (network namespaces, XDP) and the machine has two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find packages/*/src lab test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --import tsx --test --test-concurrency=1 "$@" "${files[@]}"
