// Issue 11, items 2-6: what the ingest does with hostile input. Every report here must finish with the totals of
// the good data alone and name what it skipped; a resource failure must fail the run, never become a verdict.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { META_KEYS } from "@ibsr/contract";
import type { ReportResult } from "../engine.js";
import { EXIT, ReportError } from "../exit-codes.js";
import { rewriteParquet } from "../testing/mutate-parquet.js";
import { reportOn } from "../testing/run-report.js";
import { type RunSpec, steady, type Traffic, writeJsonlRun, writeParquetRun } from "../testing/snapshots.js";

const BASE = 1_700_000_000;
const root = mkdtempSync(join(tmpdir(), "ibsr-ingest-reliability-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = (name: string) => join(root, `${n++}-${name}`);

const report = reportOn;

/** `keys` healthy clients on port 80, plus (from snapshot 3 on) a SYN flood from 198.18.5.5. */
function run(snapshots: number, keys: number, extra: Partial<RunSpec> = {}): RunSpec {
  return {
    baseTs: BASE,
    intervalSec: 60,
    snapshots: steady(BASE, 60, snapshots, (i) => [
      ...Array.from(
        { length: keys },
        (_, j): Traffic => ({
          src: `198.18.${100 + (j >> 7)}.${(j & 127) + 1}`,
          port: 80,
          syn: 6,
          handshake_ack: 6,
          ack: 60,
          packets: 120 + j,
          bytes: 12_000,
        }),
      ),
      ...(i >= 3 ? [{ src: "198.18.5.5", port: 80, syn: 12_000, packets: 12_000, bytes: 720_000 }] : []),
    ]),
    ...extra,
  };
}

/** Packets of a run as written: what a report over its files alone must total. */
function packetsOf(spec: RunSpec): bigint {
  let t = 0n;
  for (const s of spec.snapshots) for (const x of s.traffic) t += BigInt(x.packets ?? 0);
  return t;
}

describe("item 6: paths reach DuckDB as literal file names", () => {
  test("a file named *.parquet beside the others is read once, and so is every other file", async () => {
    const d = dir("star");
    const a = run(4, 5);
    const files = writeParquetRun(d, a);
    const b = run(4, 3, { host: "host-b", runId: "rb" });
    const other = join(root, "star-src");
    const bFiles = writeParquetRun(other, b);
    // The literal name "*.parquet" in the same folder as run a's files (a glob would match them all).
    cpSync(bFiles[0]!, join(dirname(files[0]!), "*.parquet"));
    const r = await report(d);
    // b's first snapshot is seq 0 (run start): it carries its deltas.
    const bFirst = b.snapshots[0]!.traffic.reduce((x, t) => x + BigInt(t.packets ?? 0), 0n);
    assert.equal(r.model.impact.total.packets, packetsOf(a) + bFirst);
    assert.equal(r.skipped.length, 0, JSON.stringify(r.skipped));
  });

  test("a folder 'old [x]' beside its copy 'old x': each path is its own file", async () => {
    const d = dir("brackets");
    const a = run(4, 5);
    writeParquetRun(join(d, "old [x]"), a);
    // The same snapshots copied to "old x" (a pattern "old [x]" matches "old x"): one copy is a duplicate.
    cpSync(join(d, "old [x]"), join(d, "old x"), { recursive: true });
    const b = run(4, 3, { host: "host-b", runId: "rb" });
    writeParquetRun(join(d, "new {b}"), b);
    writeJsonlRun(join(d, "j [1]"), run(4, 2), { file: "s?{a,b}*.jsonl" });
    const r = await report(d);
    // "old [x]" sorts first: its files are kept, every file of "old x" is the duplicate.
    assert.ok(r.skipped.length === 4, JSON.stringify(r.skipped));
    for (const s of r.skipped) {
      assert.ok(s.file.startsWith(join(d, "old x")), s.file);
      assert.match(s.reason, /duplicate snapshot/);
    }
    assert.equal(r.model.impact.total.packets, packetsOf(a) + packetsOf(b) + packetsOf(run(4, 2)));
  });
});

describe("item 6: a path DuckDB cannot name literally", () => {
  test("a backslash beside a pattern character: skipped with the reason, the rest reported", async () => {
    const d = dir("backslash");
    const a = run(4, 5);
    writeParquetRun(join(d, "ok"), a);
    const odd = writeParquetRun(join(d, "odd\\[1]"), run(4, 3, { host: "host-b", runId: "rb" }));
    const r = await report(d);
    assert.deepEqual(r.skipped.map((s) => s.file).sort(), [...odd].sort());
    for (const s of r.skipped) assert.match(s.reason, /backslash and a glob character/);
    assert.equal(r.model.impact.total.packets, packetsOf(a));
  });
});

describe("item 2: a resource failure is never a verdict", () => {
  test("out of memory fails the run with exit 1 and a hint, not a report with skipped files", async () => {
    const d = dir("oom");
    writeParquetRun(d, run(40, 400));
    await assert.rejects(report(d, { engine: { memoryLimit: "3MB", threads: 1 } }), (e: unknown) => {
      assert.ok(e instanceof ReportError, String(e));
      assert.equal(e.exitCode, EXIT.IO);
      assert.match(e.message, /Out of Memory/i);
      assert.match(e.message, /--memory-limit/);
      assert.match(e.message, /--temp-dir/);
      return true;
    });
  });

  test("more than 1 % of the files skipped: NOT READY with INPUT_SKIPPED; at most 1 %: the verdict stands", async () => {
    const d = dir("skipped-share");
    writeParquetRun(d, run(120, 12));
    const ok = await report(d);
    assert.equal(ok.model.verdict.outcome, "READY", JSON.stringify(ok.model.verdict));
    writeFileSync(join(d, "garbage-1.parquet"), "not parquet at all");
    const one = await report(d);
    assert.equal(one.model.verdict.outcome, "READY", "1 of 121 files (0.8 %) is within the threshold");
    writeFileSync(join(d, "garbage-2.parquet"), "not parquet either");
    const two = await report(d);
    assert.equal(two.model.verdict.outcome, "NOT_READY");
    assert.deepEqual(
      two.model.verdict.reasons.map((x) => x.code),
      ["INPUT_SKIPPED"],
    );
    assert.match(two.model.verdict.reasons[0]!.text, /2 of 122/);
  });

  test("nothing to enforce on a fraction of the data is NOT READY too", async () => {
    const d = dir("skipped-nothing");
    const quiet = run(10, 5);
    for (const s of quiet.snapshots) s.traffic = s.traffic.filter((t) => t.src !== "198.18.5.5");
    writeParquetRun(d, quiet);
    for (let i = 0; i < 5; i++) writeFileSync(join(d, `garbage-${i}.parquet`), "PAR1 no");
    const r = await report(d);
    assert.equal(r.model.verdict.outcome, "NOT_READY");
    assert.deepEqual(
      r.model.verdict.reasons.map((x) => x.code),
      ["INPUT_SKIPPED"],
    );
  });
});

const HOSTILE_SRC = ["cb007101", "cb007102", "cb007103", "cb007104", "cb007105"];

describe("items 3 and 4: every row is validated on read, one rule for Parquet and JSONL", () => {
  test("Parquet: family 9, prefix 200, port 70000, a negative delta, an INT64-max counter are skipped and counted", async () => {
    const d = dir("rows-parquet");
    const spec = run(20, 60);
    const files = writeParquetRun(d, spec);
    const target = files[5]!;
    const src = (i: number) => `from_hex('${HOSTILE_SRC[i]}000000000000000000000000')`;
    const row = (i: number, replace: string) =>
      `(SELECT * REPLACE (${src(i)} AS src, ${replace}) FROM t WHERE dst_port = 80 LIMIT 1)`;
    await rewriteParquet(
      target,
      `SELECT * FROM t UNION ALL ${[
        row(0, "9::TINYINT AS family, 50000::BIGINT AS syn_delta, 50000::BIGINT AS packets_delta"),
        row(1, "200::SMALLINT AS prefix_len, 50000::BIGINT AS syn_delta, 50000::BIGINT AS packets_delta"),
        row(2, "70000 AS dst_port, 50000::BIGINT AS syn_delta, 50000::BIGINT AS packets_delta"),
        row(3, "-100000000::BIGINT AS packets_delta"),
        row(4, "9223372036854775807::BIGINT AS syn_delta, 9223372036854775807::BIGINT AS packets_delta"),
      ].join(" UNION ALL ")}`,
    );
    const r = await report(d);
    for (const h of ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5"]) {
      assert.ok(!r.evidence.some((e) => e.src.startsWith(h)), `${h} must not be analysed`);
      assert.ok(!r.sources.some((e) => e.src.startsWith(h)), `${h} must not be a rule`);
    }
    assert.equal(r.model.impact.total.packets, packetsOf(spec));
    const mine = r.skipped.filter((s) => s.file === target).map((s) => s.reason);
    assert.deepEqual(mine.sort(), [
      "1 row skipped: dst_port out of range (0-65535)",
      "1 row skipped: family is not 4 or 6",
      "1 row skipped: packets_delta is negative",
      "1 row skipped: prefix_len out of range (1-32 for IPv4, 1-128 for IPv6)",
      "1 row skipped: syn_delta is above 2^53-1",
    ]);
    assert.equal(r.model.scope.skipped.count, 5);
    // The flood is still found; 5 of 1 220 rows skipped is within the 1 % threshold.
    assert.ok(r.sources.some((s) => s.display === "198.18.5.5:80" && s.decision === "block"));
    assert.equal(r.model.verdict.outcome, "READY", JSON.stringify(r.model.verdict.reasons));
  });

  test("Parquet: a short final snapshot merged into its interval skips its invalid rows the same way", async () => {
    const d = dir("rows-merged");
    const spec = run(6, 10);
    spec.snapshots.push({ ts: BASE + 6 * 60 + 5, traffic: [{ src: "198.18.100.1", port: 80, packets: 7 }] });
    const files = writeParquetRun(d, spec);
    const last = files[files.length - 1]!;
    await rewriteParquet(
      last,
      `SELECT * FROM t UNION ALL (SELECT * REPLACE (-5::BIGINT AS packets_delta, from_hex('cb007101000000000000000000000000') AS src) FROM t LIMIT 1)`,
    );
    const r = await report(d);
    assert.equal(r.model.impact.total.packets, packetsOf(spec));
    assert.deepEqual(
      r.skipped.map((s) => [s.file, s.reason]),
      [[last, "1 row skipped: packets_delta is negative"]],
    );
  });

  test("JSONL: port 70000 or u64-max, a u64-max counter and a counter above 2^53 are skipped and counted, not a cast error", async () => {
    const d = dir("rows-jsonl");
    const spec = run(20, 60);
    const path = writeJsonlRun(d, spec);
    const lines = readFileSync(path, "utf8").split("\n");
    const bucket = (ip: string, port: number | string, syn: string) =>
      `{"key_type":"src_ip","src_ip":"${ip}","dst_port":${port},"syn":${syn},"ack":0,"handshake_ack":0,"rst":0,"packets":${syn},"bytes":0}`;
    lines[6] = lines[6]!.replace(
      '"buckets":[',
      `"buckets":[${bucket("203.0.113.1", 70000, "50000")},${bucket("203.0.113.2", 80, "18446744073709551615")},${bucket("203.0.113.3", 80, "9007199254740992")},${bucket("203.0.113.4", "18446744073709551615", "50000")},`,
    );
    writeFileSync(path, lines.join("\n"));
    const r = await report(d);
    for (const h of ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"])
      assert.ok(!r.evidence.some((e) => e.src.startsWith(h)), `${h} must not be analysed`);
    assert.equal(r.model.impact.total.packets, packetsOf(spec));
    assert.deepEqual(r.skipped.map((s) => [s.file, s.reason]).sort(), [
      [path, "2 bucket(s) skipped: dst_port out of range (0-65535)"],
      [path, "2 bucket(s) skipped: syn is above 2^53-1"],
    ]);
    assert.ok(r.sources.some((s) => s.display === "198.18.5.5:80" && s.decision === "block"));
  });
});

/** Good run of 8 snapshots; the mutated file is the run start (seq 0) of a second run (host-m). */
async function withMalformed(
  name: string,
  select: string,
): Promise<{ r: ReportResult; file: string; good: bigint; mFirst: bigint }> {
  const d = dir(name);
  const good = run(8, 10);
  writeParquetRun(d, good);
  const other = join(root, `${name}-m`);
  const m = run(8, 4, { host: "host-m", runId: "rm" });
  const mFiles = writeParquetRun(other, m);
  const target = mFiles[0]!;
  await rewriteParquet(target, select);
  const dest = join(d, "host=host-m", basename(target));
  mkdirSync(dirname(dest), { recursive: true });
  cpSync(target, dest);
  // Only the mutated snapshot of run m is present: skipped whole, or every row of it invalid, the report's
  // totals are those of the good run.
  const r = await report(d);
  const mFirst = m.snapshots[0]!.traffic.reduce((x, t) => x + BigInt(t.packets ?? 0), 0n);
  return { r, file: dest, good: packetsOf(good), mFirst };
}

describe("item 5: one malformed file is skipped with its name and reason; the rest is reported", () => {
  const cases: [string, string, RegExp][] = [
    [
      "varchar-counter",
      "* REPLACE (syn_delta::VARCHAR AS syn_delta)",
      /syn_delta is VARCHAR, expected BIGINT/,
    ],
    [
      "double-counter",
      "* REPLACE (packets_delta::DOUBLE AS packets_delta)",
      /packets_delta is DOUBLE, expected BIGINT/,
    ],
    ["text-family", "* REPLACE (family::VARCHAR AS family)", /family is VARCHAR, expected TINYINT/],
    ["missing-src", "* EXCLUDE (src)", /column src is missing/],
    ["null-src", "* REPLACE (NULL::BLOB AS src)", /rows? skipped: src is missing \(NULL\)/],
    [
      "int64-max-counter",
      "* REPLACE (9223372036854775807::BIGINT AS syn_delta)",
      /rows? skipped: syn_delta is above 2\^53-1/,
    ],
  ];
  for (const [name, select, reason] of cases)
    test(name, async () => {
      const { r, file, good } = await withMalformed(name, select);
      assert.equal(r.model.impact.total.packets, good);
      const mine = r.skipped.filter((s) => s.file === file);
      assert.ok(mine.length > 0 && mine.every((s) => reason.test(s.reason)), JSON.stringify(r.skipped));
    });

  test("a malformed snapshot in the middle of a run: the run's other snapshots are still reported", async () => {
    const d = dir("seq0");
    const spec = run(6, 10);
    const files = writeParquetRun(d, spec);
    await rewriteParquet(files[2]!, "* REPLACE (syn_delta::DOUBLE AS syn_delta)");
    const r = await report(d);
    const lost = spec.snapshots[2]!.traffic.reduce((x, t) => x + BigInt(t.packets ?? 0), 0n);
    assert.equal(r.model.impact.total.packets, packetsOf(spec) - lost);
    assert.deepEqual(
      r.skipped.map((s) => s.file),
      [files[2]],
    );
  });

  test("a damaged footer that reads with an empty host, interface or run: skipped and named, not a run of its own", async () => {
    for (const key of [META_KEYS.host, META_KEYS.iface, META_KEYS.runId]) {
      const d = dir(`empty-${key}`);
      const spec = run(6, 10);
      const files = writeParquetRun(d, spec);
      // A copy of the last snapshot whose identity reads empty (a flipped byte in the footer did this in the
      // fuzz test): the original's copy with a blank name would otherwise count as another run's data.
      const copy = join(d, "copies", basename(files[5]!));
      mkdirSync(dirname(copy), { recursive: true });
      cpSync(files[5]!, copy);
      await rewriteParquet(copy, "*", { [key]: "" });
      const r = await report(d);
      assert.equal(r.model.impact.total.packets, packetsOf(spec), key);
      const mine = r.skipped.filter((x) => x.file === copy);
      assert.equal(mine.length, 1, JSON.stringify(r.skipped));
      assert.match(mine[0]!.reason, new RegExp(`footer metadata has an empty ${key.replace(".", "\\.")}`));
      assert.equal(
        r.model.scope.runs.length,
        1,
        `${key}: ${r.model.scope.runs.map((x) => x.host).join(", ")}`,
      );
    }
  });

  test("a corrupt data page the footer does not reveal: that file is skipped and named, the rest reported", async () => {
    const d = dir("page");
    const spec = run(6, 10);
    const files = writeParquetRun(d, spec);
    const target = files[3]!;
    // The page header of the family column chunk (read by the scan, not by the footer-only catalog).
    const inst = await DuckDBInstance.create(":memory:");
    const c = await inst.connect();
    const at = (
      await c.runAndReadAll(
        `SELECT data_page_offset AS o FROM parquet_metadata('${target}') WHERE path_in_schema = 'family'`,
      )
    ).getRowObjectsJS() as { o: bigint }[];
    c.closeSync();
    inst.closeSync();
    const b = readFileSync(target);
    const o = Number(at[0]!.o);
    b.writeUInt8(b.readUInt8(o) ^ 0x5a, o);
    writeFileSync(target, b);
    const r = await report(d);
    const lost = spec.snapshots[3]!.traffic.reduce((x, t) => x + BigInt(t.packets ?? 0), 0n);
    assert.equal(r.model.impact.total.packets, packetsOf(spec) - lost);
    assert.deepEqual(
      r.skipped.map((s) => s.file),
      [target],
    );
    assert.match(r.skipped[0]!.reason, /not a readable Parquet file \(its data\)/);
  });

  for (const [name, select] of [
    ["int64-max-span", "* REPLACE (9223372036854775807::BIGINT AS span_us)"],
    ["infinite-ts", "* REPLACE ('infinity'::TIMESTAMPTZ AS ts)"],
  ] as const)
    test(`${name}: the file is read or skipped with its name, never an abort`, async () => {
      const { r, file, good, mFirst } = await withMalformed(name, select);
      const named = r.skipped.some((x) => x.file === file);
      // Either read (the columns the report uses are intact) or skipped and named: never lost silently.
      assert.equal(
        r.model.impact.total.packets,
        named ? good : good + mFirst,
        `${name}: ${JSON.stringify(r.skipped)}`,
      );
    });
});
