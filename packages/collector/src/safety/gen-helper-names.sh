#!/usr/bin/env bash
# Regenerates helper-names.ts (helper ID -> name) from the installed kernel UAPI header.
set -euo pipefail
here="$(dirname "$0")"
header="${1:-/usr/include/linux/bpf.h}"
{
  echo "// Generated from ${header} (__BPF_FUNC_MAPPER) by packages/collector/src/safety/gen-helper-names.sh;"
  echo "// regenerate with: bash packages/collector/src/safety/gen-helper-names.sh"
  echo "// Index = helper ID (the imm of a \`call\` instruction); used only to name helpers in messages."
  echo "export const HELPER_NAMES: readonly string[] = ["
  sed -n '/#define __BPF_FUNC_MAPPER(FN)/,/\/\* \*\//p' "$header" | grep -o 'FN([a-z0-9_]*)' | sed 's/FN(\(.*\))/  "\1",/'
  echo "];"
} >"$here/helper-names.ts"
