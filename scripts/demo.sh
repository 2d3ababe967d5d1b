#!/usr/bin/env bash
# The README's first command: install what is missing, build, then run the demo (live where root, BPF and
# XDP exist; a labelled synthetic snapshot set elsewhere). Usage: bash scripts/demo.sh [report-dir] [--synthetic]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node --import tsx scripts/demo.ts "$@"
