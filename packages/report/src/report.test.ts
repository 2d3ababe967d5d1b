// The engine returns a complete model (rules, files, verdict checks, the machine-readable lists and the
// evidence.parquet artifact), and the one writer renders every listed file from that model alone.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { parseAllowlist } from "./allowlist.js";
import { DEFAULT_CONFIG } from "./config.js";
import { runReport } from "./engine.js";
import { ALL_FORMATS } from "./formats.js";
import { renderEvidenceCsv } from "./render/csv.js";
import { renderSummaryJson } from "./render/json.js";
import { generateReport } from "./report.js";
import { steady, writeParquetRun } from "./testing/snapshots.js";

const BASE = 1_700_000_000;
const root = mkdtempSync(join(tmpdir(), "ibsr-report-model-"));
after(() => rmSync(root, { recursive: true, force: true }));

function input(): string {
  const d = join(root, "in");
  if (existsSync(d)) return d;
  writeParquetRun(d, {
    baseTs: BASE,
    intervalSec: 60,
    snapshots: steady(BASE, 60, 10, (i) => [
      ...Array.from({ length: 12 }, (_, j) => ({
        src: `198.18.100.${j + 1}`,
        port: 80,
        syn: 6,
        handshake_ack: 6,
        ack: 60,
        packets: 120,
        bytes: 12_000,
      })),
      ...(i >= 3 && i < 6
        ? [
            {
              src: "198.18.0.66",
              port: 80,
              syn: 60_000,
              handshake_ack: 0,
              ack: 0,
              packets: 60_000,
              bytes: 3_600_000,
            },
          ]
        : []),
    ]),
  });
  return d;
}

const options = () => ({
  inputs: [input()],
  cfg: { ...DEFAULT_CONFIG },
  allowlist: parseAllowlist("198.18.100.1\n", "allow.txt"),
  since: null,
  until: null,
  now: null,
  host: null,
  ports: null,
});

test("the model is complete when the engine returns", async () => {
  const scratch = mkdtempSync(join(root, "scratch-"));
  const r = await runReport({ ...options(), outputs: ALL_FORMATS, scratchDir: scratch });
  try {
    const m = r.model;
    assert.deepEqual(m.files, [
      "report.html",
      "report.md",
      "summary.json",
      "rules.json",
      "rules.nft",
      "rules.txt",
      "evidence.csv",
      "evidence.parquet",
    ]);
    assert.equal(m.rules.total, 1);
    assert.equal(m.rules.triggers[0]!.display, "198.18.0.66:80");
    assert.deepEqual(
      m.rules.exceptions.map((e) => e.value),
      ["198.18.100.1"],
    );
    assert.equal(JSON.parse(m.rules.json).triggers[0].key_value, "198.18.0.66");
    assert.deepEqual(
      m.verdict.checks.map((c) => c.code),
      ["FP_BOUND", "HEALTHY_BLOCKED", "MIN_IMPACT", "MAX_RULES", "PORT_LEVEL", "INPUT_SKIPPED"],
    );
    assert.deepEqual(
      m.verdict.reasons.map((x) => x.code),
      m.verdict.checks.filter((c) => c.gating && !c.passed).map((c) => c.code),
    );
    assert.equal(m.machine.sources.total, r.sources.length);
    assert.equal(m.machine.evidence.total, 13);
    assert.equal(m.machine.evidence.rows.length, 13);
    const pq = m.machine.evidence.parquet!;
    assert.equal(pq.rows, 13);
    assert.equal(dirname(dirname(pq.path)), scratch, "the artifact is in the engine's own directory");
    assert.ok(existsSync(pq.path));
  } finally {
    r.dispose();
  }
  assert.deepEqual(readdirSync(scratch), [], "dispose removes the engine's directory");
});

test("the writer writes every listed file from the model alone, and leaves nothing beside the output", async () => {
  const parent = mkdtempSync(join(root, "out-"));
  const outDir = join(parent, "report");
  const g = await generateReport({ ...options(), outDir, formats: ALL_FORMATS });
  const m = g.result.model;
  assert.deepEqual(readdirSync(outDir).sort(), [...m.files, ".ibsr-report"].sort());
  assert.equal(readFileSync(join(outDir, "summary.json"), "utf8"), renderSummaryJson(m));
  assert.equal(readFileSync(join(outDir, "rules.json"), "utf8"), m.rules.json);
  assert.equal(
    readFileSync(join(outDir, "evidence.csv"), "utf8"),
    renderEvidenceCsv(m.machine.evidence.rows),
  );
  assert.ok(readFileSync(join(outDir, "evidence.parquet")).subarray(0, 4).equals(Buffer.from("PAR1")));
  assert.deepEqual(readdirSync(parent), ["report"], "no staging or artifact directory left");
});
