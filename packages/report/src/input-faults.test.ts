// Faults in the snapshot catalog and in JSONL files: duplicates, impossible times, gaps from failed writes,
// a BOM, broken gzip. Each is named and kept out of the analysis; what remains is reported as if it were alone.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { EMPTY_ALLOWLIST } from "./allowlist.js";
import { DEFAULT_CONFIG } from "./config.js";
import { type ReportResult, type RunReportOptions, runReport } from "./engine.js";
import { type RunSpec, steady, type Traffic, writeParquetRun } from "./testing/snapshots.js";

const BASE = 1_700_000_000;
const root = mkdtempSync(join(tmpdir(), "ibsr-input-faults-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = (name: string) => join(root, `${n++}-${name}`);

function report(inputs: string, opts: Partial<RunReportOptions> = {}): Promise<ReportResult> {
  return runReport({
    inputs: [inputs],
    allowlist: EMPTY_ALLOWLIST,
    since: null,
    until: null,
    now: null,
    host: null,
    ports: null,
    evidenceParquet: null,
    cfg: { ...DEFAULT_CONFIG },
    ...opts,
  });
}

/** Three clients, so every snapshot has rows. */
const clients = (): Traffic[] =>
  [1, 2, 3].map((j) => ({
    src: `198.18.100.${j}`,
    port: 80,
    syn: 6,
    handshake_ack: 6,
    ack: 60,
    packets: 120,
    bytes: 12_000,
  }));

const run6 = (): RunSpec => ({ baseTs: BASE, intervalSec: 60, snapshots: steady(BASE, 60, 6, clients) });

describe("duplicate snapshots", () => {
  test("a copy of a file under another name is skipped and not counted", async () => {
    const d = dir("copy");
    const files = writeParquetRun(d, run6());
    const clean = await report(d);
    copyFileSync(files[2]!, join(dirname(files[2]!), `copy-of-${basename(files[2]!)}`));
    const r = await report(d);
    assert.equal(r.model.scope.skipped.count, 1);
    assert.match(r.model.scope.skipped.first[0]!.reason, /duplicate snapshot/);
    assert.equal(r.model.scope.snapshots, 6);
    assert.equal(r.model.scope.rows, 18n);
    assert.equal(r.model.scope.snapshots, clean.model.scope.snapshots);
    assert.equal(r.model.impact.total.packets, clean.model.impact.total.packets);
  });

  test("a symlink loop reads each file once in the counts", async () => {
    const d = dir("loop");
    writeParquetRun(d, run6());
    const clean = await report(d);
    symlinkSync("..", join(d, "host=host-a", "loop"));
    const r = await report(d);
    assert.ok(r.model.scope.skipped.count > 0, "the copies seen through the loop are skipped");
    assert.equal(r.model.scope.snapshots, 6);
    assert.equal(r.model.scope.rows, 18n);
    assert.equal(r.model.impact.total.packets, clean.model.impact.total.packets);
  });
});
