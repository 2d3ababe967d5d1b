// The README's first command (after setup): watch IBSR work for about a minute.
// Live where root, BPF and XDP exist: two throwaway namespaces joined by a veth pair, ibsr-collect on the
// server end, realistic clients and attackers on the other end, then ibsr-report. Elsewhere: a generated,
// clearly labelled synthetic snapshot set, reported the same way. Everything but the report is removed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { liveUnavailableReason } from "../lab/live.js";
import { delay, NetnsPair, REPO_ROOT, startCollector } from "../lab/netns.js";
import { writeDemoSynthetic } from "./demo-synthetic.js";
import { DEMO_PORT, driveDemoTraffic } from "./demo-traffic.js";

export interface DemoOptions {
  /** Seconds of traffic (the live part); about a minute by default. */
  durationSec: number;
  /** Snapshot interval of the collector. */
  intervalSec: number;
  /** Where report.html and friends go. */
  reportDir: string;
  /** Force the synthetic path even where live would work. */
  synthetic?: boolean;
  log?: (line: string) => void;
}

export interface DemoResult {
  mode: "live" | "synthetic";
  why?: string; // why the live path was not taken
  verdict: string;
  reasons: string[];
  reportHtml: string;
  summary: Record<string, unknown>;
}

const OBJECT = join(REPO_ROOT, "bpf", "build", "ibsr.bpf.o");
const REPORT_CLI = join(REPO_ROOT, "packages", "report", "dist", "cli.js");

/** Why the live demo cannot run here, or null. */
export function liveDemoUnavailable(): string | null {
  const why = liveUnavailableReason();
  if (why) return why;
  if (!existsSync(OBJECT))
    return `the XDP object ${OBJECT} was not built (clang missing? run bash scripts/setup.sh)`;
  if (!existsSync("/sys/class/net")) return "no /sys/class/net: cannot create a veth pair";
  const ip = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  if (ip.status !== 0) return `iproute2 cannot manage network namespaces here: ${ip.stderr.trim()}`;
  return null;
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const work = mkdtempSync(join(tmpdir(), "ibsr-demo-"));
  const snapDir = join(work, "snapshots");
  try {
    const why = opts.synthetic ? "synthetic mode requested" : liveDemoUnavailable();
    if (why === null) {
      await collectLive(snapDir, opts, log);
    } else {
      log(`demo: live collection is not possible here: ${why}`);
      log("demo: reporting on a generated snapshot set instead (labelled SYNTHETIC in the report)");
      writeDemoSynthetic(snapDir);
    }
    const summary = report(snapDir, opts.reportDir);
    const verdict = summary.verdict as { outcome: string; reasons: string[] };
    return {
      mode: why === null ? "live" : "synthetic",
      ...(why === null ? {} : { why }),
      verdict: verdict.outcome,
      reasons: verdict.reasons,
      reportHtml: join(opts.reportDir, "report.html"),
      summary,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function collectLive(snapDir: string, opts: DemoOptions, log: (l: string) => void): Promise<void> {
  const pair = await NetnsPair.create({ offloads: false });
  // Ctrl-C: the finally below still runs because the signal only flips this flag and stops the traffic.
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    log(`demo: namespaces ${pair.client} -> ${pair.server}, veth ${pair.clientIf} -> ${pair.serverIf}`);
    const server = await pair.startTcpServer(DEMO_PORT);
    const collector = startCollector(pair, snapDir, [
      "--dst-ports",
      String(DEMO_PORT),
      "--snapshot-interval-sec",
      String(opts.intervalSec),
      "--map-size",
      "20000",
    ]);
    await collector.waitForHeartbeats(1, 30_000);
    log(`demo: ibsr-collect attached to ${pair.serverIf} (pid ${collector.proc.pid}), port ${DEMO_PORT}`);
    await driveDemoTraffic(pair, { durationSec: opts.durationSec, signal: abort.signal, log });
    // Let the last interval close so the final snapshot has a full span.
    if (!abort.signal.aborted) await delay(opts.intervalSec * 1000);
    const r = await collector.stop("SIGTERM");
    if (r.code !== 0)
      throw new Error(`ibsr-collect exited with ${r.code ?? r.signal}: ${r.stderr.slice(-2000)}`);
    log(`demo: ibsr-collect stopped cleanly (${collector.heartbeats().length} snapshots)`);
    await server.stop();
    if (abort.signal.aborted) throw new Error("demo interrupted");
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await pair.close();
  }
}

// The snapshots carry their synthetic label in their own metadata, so the report marks them without a flag.
function report(snapDir: string, outDir: string): Record<string, unknown> {
  const args = [REPORT_CLI, snapDir, "--out", outDir, "--json", "--quiet"];
  const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`ibsr-report exited with ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const reportDir = resolve(argv.find((a) => !a.startsWith("--")) ?? "ibsr-demo-report");
  const result = await runDemo({
    durationSec: 60,
    intervalSec: 5,
    reportDir,
    synthetic: argv.includes("--synthetic"),
  });
  const line = "=".repeat(72);
  const sources = (result.summary.sources ?? []) as {
    src: string;
    dst_port: number;
    decision: string;
    abuse_class: string | null;
    would_drop: { packets: number };
  }[];
  const blocked = sources
    .filter((s) => s.decision === "block")
    .map(
      (s) => `  - ${s.src} port ${s.dst_port}: ${s.abuse_class}, would drop ${s.would_drop.packets} packets`,
    );
  process.stdout.write(
    `\n${line}\nIBSR verdict (${result.mode === "live" ? "live traffic on a veth pair" : "SYNTHETIC data"}): ${
      result.verdict
    }\n${result.reasons.map((r) => `  - ${r}`).join("\n")}\nSources the rules would block:\n${
      blocked.join("\n") || "  (none)"
    }\nReport: ${result.reportHtml}\n${line}\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
