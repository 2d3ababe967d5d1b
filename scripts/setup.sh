#!/usr/bin/env bash
# Install everything IBSR needs on a fresh Debian 12 machine, then build.
#   apt (as root): clang/llvm/libbpf-dev/bpftool for the XDP object, libbpf1 for loading it, lld (wasm-ld) for
#   rebuilding the report's JSONL bucket template (packages/report/wasm/build.sh; a test compares it),
#   iproute2/hping3 for the live tests and demo, chromium for the report's browser check, nftables for
#   checking the rules.nft export with `nft -c -f` in a throwaway network namespace.
#   prometheus for /usr/bin/promtool only (the metrics tests run `promtool check metrics`; ~100 MB; on a
#   host booted with systemd the package also enables its server unit: `systemctl disable --now prometheus`).
#   pnpm 12.4.2 from the npm registry (not corepack: the registry mirror serves no signatures).
# Without root or apt it installs nothing system-wide and says what is missing; the reporter
# alone needs only Node >= 22.12 (24 LTS recommended).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(clang llvm lld libbpf-dev libbpf1 bpftool iproute2 linux-libc-dev hping3 ethtool chromium util-linux iperf3 sockperf python3 systemd prometheus nftables)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
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

# Node.js: 24 LTS is the primary runtime, 22 is supported (scripts/node-versions.sh). A machine whose node is
# older (Debian's own is 18, many images carry 20) gets the official Node 24 build from the npm registry,
# linked as /usr/local/bin/node so that the next command in the same shell (`pnpm check`) uses it.
. scripts/node-versions.sh
node_ok() { command -v node >/dev/null 2>&1 && node -e "const m=process.argv[1].split('.').map(Number),v=process.versions.node.split('.').map(Number);process.exit(v[0]>m[0]||(v[0]===m[0]&&(v[1]>m[1]||(v[1]===m[1]&&v[2]>=m[2])))?0:1)" "$NODE_MIN"; }
if ! node_ok; then
  if [ "$(id -u)" -eq 0 ] && command -v npm >/dev/null 2>&1; then
    echo "setup: Node $(node --version 2>/dev/null || echo none) is older than $NODE_MIN; installing Node $NODE_PRIMARY"
    bash scripts/install-node.sh 24 --link >/dev/null
    hash -r
  else
    echo "setup: IBSR needs Node.js >= $NODE_MIN (24 LTS recommended); found $(node --version 2>/dev/null || echo none)" >&2
    exit 1
  fi
fi
echo "setup: using node $(node --version) ($(command -v node))"

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "12.4.2" ]; then
  echo "setup: installing pnpm 12.4.2"
  npm install -g --silent pnpm@12.4.2 >/dev/null 2>&1
fi

pnpm install --frozen-lockfile --reporter=append-only
pnpm build
