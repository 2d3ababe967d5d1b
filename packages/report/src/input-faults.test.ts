// Faults in the snapshot catalog and in JSONL files: duplicates, impossible times, gaps from failed writes,
// a BOM, broken gzip. Each is named and kept out of the analysis; what remains is reported as if it were alone.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import type { ReportResult } from "./engine.js";
import { reportOn } from "./testing/run-report.js";
import { type RunSpec, steady, type Traffic, writeJsonlRun, writeParquetRun } from "./testing/snapshots.js";

const BASE = 1_700_000_000;
const root = mkdtempSync(join(tmpdir(), "ibsr-input-faults-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = (name: string) => join(root, `${n++}-${name}`);

const report = reportOn;

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

  test("a symlink loop is not followed: each file is read once", async () => {
    const d = dir("loop");
    writeParquetRun(d, run6());
    const clean = await report(d);
    symlinkSync("..", join(d, "host=host-a", "loop"));
    const r = await report(d);
    assert.equal(
      r.model.scope.skipped.count,
      0,
      "the loop's second paths are the same files, not skipped input",
    );
    assert.equal(r.model.scope.files.total, 6);
    assert.equal(r.model.scope.snapshots, 6);
    assert.equal(r.model.scope.rows, 18n);
    assert.equal(r.model.impact.total.packets, clean.model.impact.total.packets);
  });
});

/** Syn flood from one source between snapshots 2 and 4, so the verdict has something to say. */
const floodRun = (count: number): RunSpec => ({
  baseTs: BASE,
  intervalSec: 60,
  snapshots: steady(BASE, 60, count, (i) => [
    ...clients(),
    ...Array.from({ length: 10 }, (_, j) => ({
      src: `198.18.101.${j + 1}`,
      port: 80,
      syn: 3,
      handshake_ack: 3,
      packets: 30,
      bytes: 3000,
    })),
    ...(i >= 2 && i <= 4
      ? [{ src: "198.18.5.5", port: 80, syn: 12_000, packets: 12_000, bytes: 720_000 }]
      : []),
  ]),
});

/**
 * What must not change when a rejected snapshot is added: the report equals the one without it, except that
 * the verdict says it rests on part of the input (INPUT_SKIPPED: these small inputs lose more than 1 %), so it
 * is never READY or NOTHING TO ENFORCE.
 */
function sameAnswer(r: ReportResult, clean: ReportResult, skipped = true): void {
  assert.equal(r.model.scope.observedSec, clean.model.scope.observedSec);
  assert.ok(r.model.scope.observedSec > 0);
  if (!skipped) assert.deepEqual(r.model.verdict, clean.model.verdict);
  else {
    const codes = r.model.verdict.reasons.map((x) => x.code);
    assert.ok(codes.includes("INPUT_SKIPPED"), `INPUT_SKIPPED missing from ${codes.join(", ")}`);
    assert.deepEqual(
      r.model.verdict.reasons.filter((x) => x.code !== "INPUT_SKIPPED"),
      clean.model.verdict.reasons,
    );
    assert.equal(r.model.verdict.outcome, "NOT_READY");
  }
  assert.deepEqual(r.model.impact.total, clean.model.impact.total);
  assert.equal(r.model.scope.snapshots, clean.model.scope.snapshots);
  assert.deepEqual(r.model.scope.end, clean.model.scope.end);
  assert.deepEqual(r.model.scope.gaps, clean.model.scope.gaps);
}

const Y9999 = Date.UTC(9999, 0, 1) / 1000;

describe("snapshots with impossible times", () => {
  test("Parquet: a file dated in year 9999 after the good ones is skipped with its reason", async () => {
    const clean = dir("future-clean");
    writeParquetRun(clean, floodRun(6));
    const d = dir("future");
    const spec = floodRun(7);
    spec.snapshots[6]!.ts = Y9999;
    const files = writeParquetRun(d, spec);
    const r = await report(d);
    const c = await report(clean);
    sameAnswer(r, c);
    assert.deepEqual(
      r.model.scope.skipped.first.map((s) => s.file),
      [files[6]],
    );
    assert.match(r.model.scope.skipped.first[0]!.reason, /9999-01-01T00:00:00Z.*future/);
  });

  test("JSONL: a line dated in year 9999 among good ones is skipped with its reason", async () => {
    const clean = dir("future-jsonl-clean");
    writeJsonlRun(clean, floodRun(6));
    const d = dir("future-jsonl");
    const spec = floodRun(7);
    spec.snapshots[6]!.ts = Y9999;
    const path = writeJsonlRun(d, spec);
    const r = await report(d);
    const c = await report(clean);
    sameAnswer(r, c);
    assert.equal(r.model.scope.skipped.count, 1);
    assert.equal(r.model.scope.skipped.first[0]!.file, path);
    assert.match(r.model.scope.skipped.first[0]!.reason, /future/);
  });

  test("Parquet: an interior file whose time is years away from both seq neighbours is skipped", async () => {
    const d = dir("outlier");
    const files = writeParquetRun(d, floodRun(7));
    const bad = dir("outlier-src");
    const spec = floodRun(7);
    // Two years after its neighbours, still in the past: only seq says it is wrong.
    spec.snapshots[3]!.ts = BASE + 2 * 365 * 86_400;
    const badFile = writeParquetRun(bad, spec)[3]!;
    rmSync(files[3]!);
    const c = await report(d);
    const moved = join(dirname(files[3]!), basename(badFile));
    copyFileSync(badFile, moved);
    const r = await report(d);
    sameAnswer(r, c);
    assert.deepEqual(
      r.model.scope.skipped.first.map((s) => s.file),
      [moved],
    );
    assert.match(r.model.scope.skipped.first[0]!.reason, /seq neighbours/);
  });

  test("a run start (base_ts) later than the snapshot's time is rejected", async () => {
    const d = dir("base-after");
    writeJsonlRun(d, floodRun(6));
    writeJsonlRun(d, { ...floodRun(1), baseTs: Y9999 }, { file: "late.jsonl" });
    const c = dir("base-after-clean");
    writeJsonlRun(c, floodRun(6));
    const r = await report(d);
    sameAnswer(r, await report(c));
    assert.equal(r.model.scope.skipped.count, 1);
    assert.match(r.model.scope.skipped.first[0]!.reason, /base_ts/);
  });
});

describe("JSONL files", () => {
  test("a UTF-8 BOM before the first line is accepted: the first line is read, nothing is skipped", async () => {
    for (const gz of [false, true]) {
      const clean = dir("bom-clean");
      writeJsonlRun(clean, floodRun(6));
      const d = dir("bom");
      const path = writeJsonlRun(d, floodRun(6));
      const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(path)]);
      if (gz) {
        rmSync(path);
        writeFileSync(`${path}.gz`, gzipSync(text));
      } else writeFileSync(path, text);
      const r = await report(d);
      assert.deepEqual(r.model.scope.skipped, { count: 0, first: [] }, gz ? "gzipped" : "plain");
      sameAnswer(r, await report(clean), false);
    }
  });

  test("a BOM before a bad first line: the skip names line 1", async () => {
    const d = dir("bom-bad");
    const path = writeJsonlRun(d, floodRun(6));
    writeFileSync(path, `\ufeff{"version":5,"ts_unix_sec":"soon"}\n${readFileSync(path, "utf8")}`);
    const r = await report(d);
    assert.equal(r.model.scope.skipped.count, 1);
    assert.equal(r.model.scope.skipped.first[0]!.line, 1, JSON.stringify(r.model.scope.skipped));
  });

  test("a line DuckDB cannot read but the lenient reader can (invalid UTF-8) is named with its line number", async () => {
    const d = dir("utf8");
    const path = writeJsonlRun(d, floodRun(6));
    const lines = readFileSync(path, "utf8").split("\n");
    const bad = Buffer.concat([
      Buffer.from(`${lines[2]!.slice(0, -1)},"note":"`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    writeFileSync(
      path,
      Buffer.concat([
        Buffer.from(`${lines.slice(0, 2).join("\n")}\n`),
        bad,
        Buffer.from(`\n${lines.slice(3).join("\n")}`),
      ]),
    );
    const r = await report(d);
    assert.equal(r.model.scope.skipped.count, 1);
    assert.deepEqual(
      r.model.scope.skipped.first.map((s) => [s.file, s.line]),
      [[path, 3]],
    );
  });

  test("a .jsonl.gz that is not gzip, and a truncated gzip, are skipped by name; the rest is reported", async () => {
    const clean = dir("gz-clean");
    writeJsonlRun(clean, floodRun(6));
    const d = dir("gz");
    writeJsonlRun(d, floodRun(6));
    // Other runs (run_id 2 and 3), so that what they held would show in the totals if any of it were read.
    const other = readFileSync(writeJsonlRun(dir("gz-src"), floodRun(6), { runId: 2 }));
    writeFileSync(join(d, "plain-text.jsonl.gz"), other);
    const whole = gzipSync(readFileSync(writeJsonlRun(dir("gz-src"), floodRun(6), { runId: 3 })));
    writeFileSync(join(d, "truncated.jsonl.gz"), whole.subarray(0, Math.floor(whole.length * 0.6)));
    writeFileSync(join(d, "empty.jsonl.gz"), "");
    writeFileSync(join(d, "misnamed.jsonl"), whole);
    const r = await report(d);
    assert.deepEqual(
      r.model.scope.skipped.first.map((s) => [basename(s.file), s.line]),
      [
        ["empty.jsonl.gz", null],
        ["misnamed.jsonl", null],
        ["plain-text.jsonl.gz", null],
        ["truncated.jsonl.gz", null],
      ],
    );
    assert.match(r.model.scope.skipped.first[1]!.reason, /not named \.gz/);
    assert.match(r.model.scope.skipped.first[2]!.reason, /not gzip/);
    assert.match(r.model.scope.skipped.first[3]!.reason, /truncated|corrupt/);
    sameAnswer(r, await report(clean));
  });
});

/** ibsr-collect's heartbeat lines for the given seqs (time = the snapshot's time), failed where asked. */
function heartbeats(d: string, spec: RunSpec, failed: readonly number[]): void {
  let errors = 0;
  const lines = spec.snapshots.map((s, seq) => {
    const ok = !failed.includes(seq);
    if (!ok) errors++;
    return JSON.stringify({
      time: new Date(s.ts * 1000).toISOString(),
      host: "host-a",
      iface: "eth0",
      runId: "run1",
      seq,
      writeOk: ok,
      writeErrorsTotal: errors,
      lastError: errors ? "ENOSPC: no space left on device" : null,
    });
  });
  writeFileSync(join(d, "host=host-a", "status-eth0.jsonl"), `${lines.join("\n")}\n`);
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace(".000Z", "Z");

describe("gaps: what really happened", () => {
  test("failed writes carried by the next file: a gap, nothing missing, no eviction loss", async () => {
    const d = dir("carried");
    const spec = run6();
    spec.snapshots[2]!.writeFailed = true;
    spec.snapshots[3]!.writeFailed = true;
    writeParquetRun(d, spec);
    heartbeats(d, spec, [2, 3]);
    const r = await report(d);
    const sc = r.model.scope;
    assert.equal(r.model.impact.total.packets, 6n * 3n * 120n, "every packet is counted");
    assert.equal(sc.evictionLossPackets, 0n);
    assert.equal(sc.gaps.count, 1);
    assert.equal(sc.gaps.list[0]!.carried, true);
    assert.equal(sc.gaps.totalMissingSec, 0);
    const t = spec.snapshots.map((s) => s.ts);
    assert.deepEqual(
      sc.problems.filter((p) => /gap|write/.test(p)),
      [
        `1 gap between snapshots lost no traffic: the next snapshot written carries the deltas over the whole gap (first: 2 writes failed from ${iso(t[2]!)} (seq 2) to ${iso(t[3]!)} (seq 3); the next snapshot (seq 4, ${iso(t[4]!)}) carries those deltas).`,
        "The collector recorded 2 failed snapshot writes (last: ENOSPC: no space left on device): the next snapshot written carried the deltas of each, so no traffic is missing.",
      ],
    );
    // Without heartbeats the files alone tell it: a missing seq that the next file reaches back over.
    rmSync(join(d, "host=host-a", "status-eth0.jsonl"));
    const bare = await report(d);
    assert.deepEqual(
      bare.model.scope.problems.filter((p) => /gap|write/.test(p)),
      [
        `1 gap between snapshots lost no traffic: the next snapshot written carries the deltas over the whole gap (first: write of seq 2–3 failed; the next snapshot (seq 4, ${iso(t[4]!)}) carries those deltas).`,
      ],
    );
  });

  test("a file removed from the middle: a gap whose traffic is missing, not eviction loss", async () => {
    const d = dir("hole");
    const spec = run6();
    spec.snapshots[2]!.missing = true;
    spec.snapshots[4]!.lostPackets = 700;
    writeParquetRun(d, spec);
    const r = await report(d);
    const sc = r.model.scope;
    assert.equal(r.model.impact.total.packets, 5n * 3n * 120n);
    assert.equal(sc.evictionLossPackets, 700n, "only the packets the program saw but no key kept");
    assert.equal(sc.gaps.count, 1);
    assert.equal(sc.gaps.list[0]!.carried, false);
    assert.equal(sc.gaps.totalMissingSec, 60);
    const t = spec.snapshots.map((s) => s.ts);
    assert.deepEqual(
      sc.problems.filter((p) => /gap|write/.test(p)),
      [
        `1 gap between snapshots is not covered by the next snapshot: 60 s of traffic is missing from the report (first: ${iso(t[1]!)} to ${iso(t[3]!)}, no file for seq 2); rates use the real spans.`,
      ],
    );
  });

  test("a skipped file in the middle is a gap, not eviction loss", async () => {
    const d = dir("skipped-middle");
    const files = writeParquetRun(d, run6());
    writeFileSync(files[3]!, "PAR1 not really");
    const r = await report(d);
    assert.equal(r.model.scope.skipped.count, 1);
    assert.equal(r.model.scope.evictionLossPackets, 0n);
    assert.equal(r.model.scope.gaps.count, 1);
    assert.equal(r.model.scope.gaps.list[0]!.carried, false);
  });

  test("failed writes at the end of a run, with no later file, are missing", async () => {
    const d = dir("failed-end");
    const spec = run6();
    spec.snapshots[5]!.writeFailed = true;
    writeParquetRun(d, spec);
    heartbeats(d, spec, [5]);
    const r = await report(d);
    assert.ok(
      r.model.scope.problems.includes(
        "The collector recorded 1 failed snapshot write (last: ENOSPC: no space left on device): 1 with no later snapshot on disk (their traffic is missing).",
      ),
      JSON.stringify(r.model.scope.problems),
    );
  });
});
