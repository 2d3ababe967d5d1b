// Every malformed, out-of-range or repeated flag exits 2 naming the flag, through the real main().
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { steady, writeParquetRun } from "@ibsr/report/testing";
import { describeFailure, main } from "../packages/report/src/cli.js";

const root = mkdtempSync(join(tmpdir(), "ibsr-report-flags-"));
after(() => rmSync(root, { recursive: true, force: true }));
const BASE = 1_700_000_000;
const data = join(root, "snaps");
writeParquetRun(data, {
  baseTs: BASE,
  intervalSec: 60,
  snapshots: steady(BASE, 60, 3, () => [{ src: "198.18.0.1", port: 80, syn: 5, packets: 10, bytes: 100 }]),
});
const al = join(root, "allow.txt");
writeFileSync(al, "198.18.9.9\n");
const cfg = join(root, "cfg.json");
writeFileSync(cfg, "{}");

async function exitOf(args: string[]): Promise<{ code: number; text: string }> {
  try {
    return { code: await main(args), text: "" };
  } catch (e) {
    return describeFailure(e);
  }
}

// [flag named in the message, extra arguments]
const BAD: [string, string[]][] = [
  ["--threads", ["--threads", "0"]],
  ["--threads", ["--threads", "1.5"]],
  ["--threads", ["--threads", "abc"]],
  ["--threads", ["--threads", "100000"]],
  ["--threads", ["--threads", ""]],
  ["--threads", ["--threads", "1", "--threads", "2"]],
  ["--memory-limit", ["--memory-limit", "lots"]],
  ["--memory-limit", ["--memory-limit", "-5GB"]],
  ["--memory-limit", ["--memory-limit", "0GB"]],
  ["--memory-limit", ["--memory-limit", "1KB"]],
  ["--memory-limit", ["--memory-limit", "50%"]],
  ["--memory-limit", ["--memory-limit", ""]],
  ["--since", ["--since", "1e300"]],
  ["--since", ["--since", "99999999999999999999"]],
  ["--now", ["--now", "99999999999999999999"]],
  ["--now", ["--now", "99999-01-01"]],
  ["--now", ["--now", "+099999-01-01T00:00:00Z"]],
  ["--since", ["--since", "2026-02-30"]],
  ["--since", ["--since", "2025-02-29T00:00:00Z"]],
  ["--until", ["--until", "2026-13-01"]],
  ["--until", ["--until", "2026-01-01T24:00:00Z"]],
  ["--until", ["--until", "2026-01-01T10:61Z"]],
  ["--since", ["--since", "1969-12-31T23:59:59Z"]],
  ["--since", ["--since", "-100000000000w"]],
  ["--since", ["--since", ""]],
  ["--since", ["--since", "1", "--since", "2"]],
  ["--now", ["--now", "-1h"]],
  ["--out", ["-o", join(root, "a"), "-o", join(root, "b")]],
  ["--allowlist", ["--allowlist", al, "--allowlist", al]],
  ["--allowlist", ["--allowlist", ""]],
  ["--config", ["--config", cfg, "--config", cfg]],
  ["--config", ["--config", ""]],
  ["--host", ["--host", "a,"]],
  ["--host", ["--host", "edge-[a"]],
  ["--host", ["--host", ""]],
  ["--profile", ["--profile", "ibsr", "--profile", "nr-ibsr"]],
  ["--temp-dir", ["--temp-dir", ""]],
  ["--min-syn", ["--min-syn", ""]],
  ["--min-syn", ["--min-syn", "abc"]],
  ["--min-syn", ["--min-syn", "1e400"]],
  ["--min-syn", ["--min-syn", "1", "--min-syn", "2"]],
  ["--max-rules", ["--max-rules", "1e300"]],
  ["--block-duration-sec", ["--block-duration-sec", "0"]],
  ["--syn-rate-threshold", ["--syn-rate-threshold", "-5"]],
  ["--syn-rate-threshold", ["--syn-rate-threshold", "0x10"]],
  ["--format", ["--format", ""]],
  ["--format", ["--format", ","]],
  ["--dst-ports", ["--dst-ports", ""]],
  ["--catalog", ["--catalog", cfg]],
  ["--catalog", ["--candidates", cfg, "--catalog", cfg, "--catalog", cfg]],
];

test("every bad flag value exits 2 and names the flag; nothing is written", async () => {
  const out = join(root, "out");
  const failures: string[] = [];
  for (const [flag, extra] of BAD) {
    const r = await exitOf([data, "-q", "-o", out, ...extra]);
    if (r.code !== 2 || !r.text.includes(flag))
      failures.push(`${JSON.stringify(extra)}: exit ${r.code}, ${JSON.stringify(r.text.slice(0, 200))}`);
  }
  assert.deepEqual(failures, []);
  assert.deepEqual(readdirSync(root).sort(), ["allow.txt", "cfg.json", "snaps"]);
});

test("config file values get the same numeric ranges (exit 3, key named)", async () => {
  for (const [key, value] of [
    ["max_rules", 1e300],
    ["block_duration_sec", 0],
    ["min_syn", -1],
  ] as const) {
    const p = join(root, `cfg-${key}.json`);
    writeFileSync(p, `{"${key}": ${value}}`);
    const r = await exitOf([data, "-q", "-o", join(root, "out"), "--config", p]);
    rmSync(p);
    assert.equal(r.code, 3, r.text);
    assert.ok(r.text.includes(key), r.text);
  }
});

test("good values still work", async () => {
  const out = join(root, "good");
  const r = await exitOf([
    data,
    "-q",
    "-o",
    out,
    "--format",
    "json",
    "--threads",
    "2",
    "--memory-limit",
    "512MB",
    "--since",
    "2023-11-14T22:00:00Z",
    "--until",
    "+1h",
    "--now",
    "2024-02-29",
    "--min-syn",
    "5",
  ]);
  assert.equal(r.code, 0, r.text);
  rmSync(out, { recursive: true, force: true });
});
