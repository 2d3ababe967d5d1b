// The in-process heavy pass over reference JSONL (jsonl-scan.ts) against the SQL heavy pass over the same
// deltas loaded into DuckDB (jrows, as explain and mixed inputs still use): the same model, summary.json,
// rules.json, evidence and skipped inputs, on faulty lines, a window that cuts intervals, several hosts with
// merged intervals, and a port filter.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { renderSummaryJson } from "../render/json.js";
import { writeFaultyLegacyDay, writeLegacyDay } from "../testing/legacy-day.js";
import { reportOn, type TestReportOptions } from "../testing/run-report.js";
import { steady, writeJsonlRun } from "../testing/snapshots.js";
import { healthyHeavyClient, quietBackground, starvedSynFlood } from "../testing/traffic.js";
import { parseTimeSpec } from "../timespec.js";
import { DeltaSpool, SPOOL_ROW } from "./jsonl-delta-spool.js";
import { IN_PROCESS_SCAN_MESSAGE, JSONL_RETRY_MESSAGE } from "./jsonl-scan.js";

const BASE = 1_700_000_000;
const root = mkdtempSync(join(tmpdir(), "ibsr-jsonl-scan-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** Both heavy passes over `inputs`: what each report holds, and whether the in-process one ran. */
async function both(inputs: string[], opts: TestReportOptions = {}) {
  const run = async (inDuckDB: boolean) => {
    const said: string[] = [];
    const r = await reportOn(inputs, {
      now: BASE + 86_400,
      ...opts,
      jsonlRowsInDuckDB: inDuckDB,
      progress: (m) => said.push(m),
    });
    return {
      inProcess: said.some((m) => m.startsWith(IN_PROCESS_SCAN_MESSAGE)),
      summary: renderSummaryJson(r.model),
      rules: r.model.rules.json,
      model: r.model,
      evidence: r.evidence,
      evidenceTotal: r.evidenceTotal,
      sources: r.sources,
      episodes: r.episodes,
      skipped: r.skipped,
    };
  };
  const sql = await run(true);
  const js = await run(false);
  assert.equal(sql.inProcess, false, "the SQL heavy pass ran over jrows");
  assert.equal(js.inProcess, true, "the in-process heavy pass ran");
  const { inProcess: _a, ...a } = sql;
  const { inProcess: _b, ...b } = js;
  assert.deepEqual(b, a);
  return js;
}

/**
 * Two hosts of JSONL: a SYN flood on one and a second run there (another run_id, later), a volumetric source on
 * the other, a late snapshot (a merged interval).
 */
function twoHosts(): string[] {
  const a = join(root, "hosts", "host=a");
  const b = join(root, "hosts", "host=b");
  writeJsonlRun(a, {
    baseTs: BASE,
    intervalSec: 60,
    snapshots: steady(BASE, 60, 40, (i) => [
      ...quietBackground(),
      ...(i >= 10 && i < 16 ? [starvedSynFlood("198.18.7.7", 443)] : []),
    ]),
  });
  writeJsonlRun(
    a,
    {
      baseTs: BASE + 3_000,
      intervalSec: 60,
      snapshots: steady(BASE + 3_000, 60, 20, (i) => [
        ...quietBackground(),
        ...(i >= 5 && i < 8 ? [starvedSynFlood("198.18.7.8", 443)] : []),
      ]),
    },
    { runId: 2, file: "run2.jsonl" },
  );
  const snaps = steady(BASE + 7, 60, 40, (i) => [
    ...quietBackground(443),
    ...(i >= 20 && i < 24 ? [healthyHeavyClient("198.18.9.0/24", 443)] : []),
    ...(i >= 25 && i < 27
      ? [
          {
            src: "198.18.5.5",
            port: 443,
            syn: 20_000,
            handshake_ack: 19_000,
            ack: 500_000,
            packets: 900_000,
            bytes: 900_000_000,
          },
        ]
      : []),
  ]);
  // A snapshot 5 s after the one before it: a short interval, merged into the next.
  snaps.splice(30, 0, { ts: snaps[29]!.ts + 5, traffic: snaps[29]!.traffic });
  writeJsonlRun(b, { baseTs: BASE + 7, intervalSec: 60, snapshots: snaps });
  return [a, b];
}

describe("JSONL heavy pass in process", () => {
  test("a faulty day (truncated, heartbeat, not JSON, BOM, a counter as text, an impossible port): same report as SQL over jrows", async () => {
    const day = join(root, "faulty");
    writeFaultyLegacyDay(day);
    const r = await both([day]);
    // Two lines that are not JSON, one bucket with an impossible port.
    assert.equal(r.skipped.length, 3);
    assert.ok(r.skipped.some((s) => /dst_port out of range/.test(s.reason)));
    assert.ok(r.sources.length > 0, "the floods are candidates");
  });

  test("a --since/--until window that cuts intervals (weighted edges): same report", async () => {
    const day = join(root, "window");
    writeFaultyLegacyDay(day);
    const r = await both([day], {
      since: parseTimeSpec(String(BASE + 30 * 60 + 20), "--since"),
      until: parseTimeSpec(String(BASE + 110 * 60 + 40), "--until"),
    });
    assert.ok(r.sources.length > 0);
  });

  test("two hosts, a merged interval, a /24 key, a volumetric source: same report, per-host counts included", async () => {
    const r = await both(twoHosts());
    assert.notEqual(r.model.rules.byHost, null, "a per-host report");
    assert.match(r.summary, /"merged_short_intervals": [1-9]/, "an interval of two snapshots");
    assert.equal(r.model.scope.runs.length, 3, "two runs on host a, one on b");
    assert.ok(r.sources.length >= 2);
  });

  test("one key under two spellings (src_ip text and key_value, a port and none): two key numbers, one key, same report", async () => {
    const day = join(root, "spellings");
    const files = writeLegacyDay(day);
    const f = files[1]!;
    const lines = readFileSync(f, "utf8").split("\n");
    // One line gives every address as a number, the next leaves every port out (0: any port, as dst_port 0 is).
    lines[20] = lines[20]!.replace(
      /"src_ip":"(\d+)\.(\d+)\.(\d+)\.(\d+)"/g,
      (_m, a, b, c, d) =>
        `"key_value":${((Number(a) * 256 + Number(b)) * 256 + Number(c)) * 256 + Number(d)}`,
    );
    lines[21] = lines[21]!.replaceAll('"dst_port":8899,', "");
    writeFileSync(f, lines.join("\n"));
    const r = await both([day]);
    assert.ok(r.sources.length > 0);
  });

  test("--dst-ports keeps one port's keys: same report", async () => {
    const r = await both(twoHosts(), { ports: [443] });
    assert.ok(r.evidence.length > 0 && r.evidence.every((e) => e.dstPort === 443));
  });
});

test("sums past 2^53 - 1 (eight sources of 2^51 + 1 bytes in one interval): the run starts again in DuckDB and its totals are exact", async () => {
  const day = join(root, "wide");
  // Each source's cumulative bytes stay below 2^53 (three intervals), so every row is valid; the interval's
  // total over eight sources is not exact as a double (2^53 + 2^51 + 5 rounds).
  writeJsonlRun(day, {
    baseTs: BASE,
    intervalSec: 60,
    snapshots: steady(BASE, 60, 4, () =>
      Array.from({ length: 8 }, (_, i) => ({
        src: `198.18.3.${i + 1}`,
        port: 443,
        syn: 1,
        ack: 2 ** 45,
        handshake_ack: 1,
        packets: 2 ** 45 + 1,
        bytes: 2 ** 51 + 1,
      })),
    ),
  });
  const said: string[] = [];
  const r = await reportOn([day], { now: BASE + 86_400, progress: (m) => said.push(m) });
  assert.ok(
    said.some((m) => m.startsWith(IN_PROCESS_SCAN_MESSAGE)),
    "the in-process pass ran first",
  );
  assert.ok(said.includes(JSONL_RETRY_MESSAGE), "then the run started again with the deltas in DuckDB");
  const sql = await reportOn([day], { now: BASE + 86_400, jsonlRowsInDuckDB: true });
  assert.equal(renderSummaryJson(r.model), renderSummaryJson(sql.model));
  assert.deepEqual(r.sources, sql.sources);
});

test("the delta spool gives back each line's rows, u32 rows and f64 rows apart", () => {
  const spool = new DeltaSpool(join(root, "spool.bin"));
  try {
    const v = (x: number) => new Float64Array([x, x + 1, x + 2, x + 3, x + 4, x + 5]);
    spool.put(3, 7, v(10), true);
    spool.put(3, 9, v(2 ** 40), false);
    spool.put(3, 8, v(20), true);
    spool.put(5, 1, v(30), true);
    spool.endLine();
    const l3 = spool.read(3);
    assert.deepEqual([...l3.narrow], [7, 10, 11, 12, 13, 14, 15, 8, 20, 21, 22, 23, 24, 25]);
    assert.deepEqual([...l3.wide], [9, ...v(2 ** 40)]);
    assert.deepEqual([...spool.read(5).narrow], [1, 30, 31, 32, 33, 34, 35]);
    assert.equal(spool.read(4).narrow.length + spool.read(4).wide.length, 0);
    assert.equal(SPOOL_ROW, 7);
    assert.equal(spool.rows, 4);
  } finally {
    spool.dispose();
  }
});

test("the delta spool's putDeltas: deltas against the last counters (or the counters when not continued), zero rows left out, the last counters updated", () => {
  const spool = new DeltaSpool(join(root, "spool-deltas.bin"));
  try {
    // Two keys' last counters (six each) and one line's counters for three buckets.
    const last = new Float64Array([1, 2, 3, 4, 5, 6, 10, 10, 10, 10, 10, 10]);
    const counters = new Float64Array([
      ...[2, 2, 4, 4, 6, 2 ** 40],
      ...[10, 10, 10, 10, 10, 10],
      ...[7, 0, 0, 0, 0, 0],
    ]);
    spool.startLine(4, 3);
    spool.putDeltas(11, counters, 0, last, 0, true);
    spool.putDeltas(12, counters, 6, last, 6, true);
    spool.putDeltas(13, counters, 12, last, 6, false);
    spool.endLine();
    const l4 = spool.read(4);
    // Key 11's bytes delta is past u32: a wide row; key 12 has no traffic; key 13 is new (its counters as they are).
    assert.deepEqual([...l4.wide], [11, 1, 0, 1, 0, 1, 2 ** 40 - 6]);
    assert.deepEqual([...l4.narrow], [13, 7, 0, 0, 0, 0, 0]);
    assert.equal(spool.rows, 2);
    assert.deepEqual([...last], [2, 2, 4, 4, 6, 2 ** 40, 7, 0, 0, 0, 0, 0]);
  } finally {
    spool.dispose();
  }
});
