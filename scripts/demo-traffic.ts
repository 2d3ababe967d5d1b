// The demo's traffic mix, driven from the client namespace toward the monitored port:
//   legitimate clients (real TCP request/response, IPv4 and IPv6) for the whole run,
//   one SYN-flooding IPv4 source, an IPv6 attacker spread over one /64, a heavy but healthy bulk client,
//   and a one-off burst of SYNs from thousands of random sources.
// Every loop is bounded in count and time; spoofed sources stay inside 198.18.0.0/15 and 2001:2::/48.
import { delay, type NetnsPair } from "../lab/netns.js";

export const DEMO_PORT = 8899;

const LEGIT_V4 = ["198.18.0.10", "198.18.0.11", "198.18.0.12", "198.18.0.13"];
const LEGIT_V6 = ["2001:2::10", "2001:2::11"];
const HEAVY_V4 = "198.18.0.77";
const FLOOD_V4 = "198.18.0.66";
const FLOOD_V6_PREFIX = "2001:2:0:66"; // the attacker owns 2001:2:0:66::/64

// Request/response clients bound to given source addresses; runs until its deadline, bounded in count.
const CLIENTS_JS = `
const net = require("node:net");
const [host4, host6, port, specJson, until] = process.argv.slice(1);
const spec = JSON.parse(specJson); const deadline = Number(until);
let done = 0;
function once(local, bytes) { return new Promise((resolve) => {
  const host = local.includes(":") ? host6 : host4;
  const s = net.connect({ host, port: Number(port), localAddress: local }, () => s.end(Buffer.alloc(bytes, 97)));
  s.on("data", () => {}); s.on("close", () => { done++; resolve(); }); s.on("error", () => resolve());
  s.setTimeout(10000, () => s.destroy()); }); }
async function loop(c) { for (let i = 0; i < c.max && Date.now() < deadline; i++) {
  await once(c.local, c.bytes); await new Promise((r) => setTimeout(r, c.pauseMs)); } }
Promise.all(spec.map(loop)).then(() => { process.stdout.write(String(done) + "\\n"); });
`;

export interface TrafficOptions {
  durationSec: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

/** Random host addresses inside one IPv6 /64 (deterministic). */
function hostsIn64(prefix: string, count: number, seed: number): string[] {
  const out: string[] = [];
  let x = seed >>> 0;
  const next = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 16).toString(16);
  };
  for (let i = 0; i < count; i++) out.push(`${prefix}:${next()}:${next()}:${next()}:${next()}`);
  return out;
}

/** Distinct random-looking IPv4 sources in 198.19.0.0/16 (inside the 198.18.0.0/15 benchmark range). */
function randomSourcesV4(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = (i * 2654435761) % 65536;
    out.push(`198.19.${n >> 8}.${n & 255}`);
  }
  return [...new Set(out)];
}

export async function driveDemoTraffic(pair: NetnsPair, opts: TrafficOptions): Promise<void> {
  const { durationSec: d, signal, log } = opts;
  for (const a of [...LEGIT_V4, HEAVY_V4])
    await pair.run(pair.client, ["ip", "addr", "add", `${a}/24`, "dev", pair.clientIf]);
  for (const a of LEGIT_V6) {
    await pair.run(pair.client, ["ip", "-6", "addr", "add", `${a}/64`, "dev", pair.clientIf, "nodad"]);
  }
  const t0 = Date.now();
  const at = (frac: number) => t0 + frac * d * 1000;
  const clients = (spec: object[], untilMs: number) =>
    pair.spawn(pair.client, [
      process.execPath,
      "-e",
      CLIENTS_JS,
      pair.serverV4,
      pair.serverV6,
      String(DEMO_PORT),
      JSON.stringify(spec),
      String(untilMs),
    ]);

  log(`demo: ${LEGIT_V4.length + LEGIT_V6.length} legitimate clients (IPv4 + IPv6) for ${d} s`);
  const legit = clients(
    [...LEGIT_V4, ...LEGIT_V6].map((local) => ({ local, bytes: 400, pauseMs: 250, max: 4 * d })),
    at(1),
  );

  const phases: { name: string; from: number; to: number; tick: () => Promise<void> }[] = [
    {
      name: `SYN flood from ${FLOOD_V4}`,
      from: 0.15,
      to: 0.5,
      tick: () => pair.sendRawSegments({ sources: [FLOOD_V4], port: DEMO_PORT, perSource: 400 }),
    },
    {
      name: `IPv6 attacker spread over ${FLOOD_V6_PREFIX}::/64`,
      from: 0.3,
      to: 0.6,
      tick: () =>
        pair.sendRawSegments({
          sources: hostsIn64(FLOOD_V6_PREFIX, 300, Date.now()),
          port: DEMO_PORT,
          perSource: 1,
        }),
    },
  ];
  let heavy: ReturnType<typeof clients> | undefined;
  let burstDone = false;
  const started = new Set<string>();
  while (Date.now() < at(1) && !signal.aborted) {
    const now = Date.now();
    for (const p of phases) {
      if (now >= at(p.from) && now < at(p.to)) {
        if (!started.has(p.name)) {
          started.add(p.name);
          log(`demo: ${p.name}`);
        }
        await p.tick();
      }
    }
    if (!heavy && now >= at(0.4)) {
      log(`demo: heavy but healthy bulk client ${HEAVY_V4}`);
      heavy = clients([{ local: HEAVY_V4, bytes: 1_000_000, pauseMs: 20, max: 400 }], at(0.7));
    }
    if (!burstDone && now >= at(0.75)) {
      burstDone = true;
      const sources = randomSourcesV4(3000);
      log(`demo: one burst of SYNs from ${sources.length} random sources`);
      await pair.sendRawSegments({ sources, port: DEMO_PORT, perSource: 1 });
    }
    await delay(Math.max(0, 1000 - (Date.now() - now)));
  }
  if (signal.aborted) {
    legit.kill("SIGKILL");
    heavy?.kill("SIGKILL");
  }
  const [legitDone] = await Promise.all([legit.exited, heavy?.exited]);
  log(`demo: traffic done (${legitDone.stdout.trim() || 0} legitimate requests answered)`);
}
