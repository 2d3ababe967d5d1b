#!/usr/bin/env bash
# Install everything IBSR needs on a fresh Debian 12 machine, then build.
#   apt (as root): clang/llvm/libbpf-dev/bpftool for the XDP object, libbpf1 for loading it,
#   iproute2/hping3 for the live tests and demo, chromium for the report's browser check.
#   pnpm 12.4.2 from the npm registry (not corepack: the registry mirror serves no signatures).
# Without root or apt it installs nothing system-wide and says what is missing; the reporter
# alone needs only Node >= 20.19.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(clang llvm libbpf-dev libbpf1 bpftool iproute2 linux-libc-dev hping3 ethtool chromium util-linux iperf3 sockperf python3 systemd nftables)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing apt packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing system packages (${missing[*]}); install them as root with apt-get, or run only the reporter" >&2
  fi
fi

node_major=$(node -p 'process.versions.node.split(".").map(Number).reduce((a,b,i)=>i<2?a*1000+b:a,0)')
if [ "$node_major" -lt 20019 ]; then
  echo "setup: Node $(node --version) is too old; IBSR needs Node >= 20.19" >&2
  exit 1
fi

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "12.4.2" ]; then
  echo "setup: installing pnpm 12.4.2"
  npm install -g --silent pnpm@12.4.2 >/dev/null 2>&1
fi

pnpm install --frozen-lockfile --reporter=append-only
pnpm build
