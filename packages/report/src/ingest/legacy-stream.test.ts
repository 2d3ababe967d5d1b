import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { EXIT } from "../exit-codes.js";
import { legacyDayFiles, writeFaultyLegacyDay, writeLegacyDay } from "../testing/legacy-day.js";
import { sharedPath } from "../testing/shared-dir.js";
import { withDuckDB } from "./duckdb.js";
import { registerFileList } from "./file-list.js";
import { TEMPLATE_ENV } from "./jsonl-buckets.js";
import { FAST_COUNTERS, FastLine, readFastLine } from "./jsonl-line.js";
import { parseLegacyLine } from "./legacy-jsonl.js";
import { LegacyStream } from "./legacy-stream.js";
import { legacyRowsViewSql } from "./queries/legacy.js";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "../cli.ts");
const root = mkdtempSync(join(tmpdir(), "ibsr-legacy-stream-"));
after(() => rmSync(root, { recursive: true, force: true }));
const NOW = "1700010000";

function report(input: string, out: string, ...extra: string[]) {
  return reportWith({}, input, out, ...extra);
}

function reportWith(env: Record<string, string>, input: string, out: string, ...extra: string[]) {
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      import.meta.resolve("tsx"),
      cli,
      input,
      "-o",
      out,
      "--now",
      NOW,
      "--format",
      "json",
      "-q",
      // The readers are compared, not the history beside the outputs (which several runs here would share).
      "--no-history",
      ...extra,
    ],
    { encoding: "utf8", timeout: 300_000, env: { ...process.env, ...env } },
  );
  return {
    code: r.status,
    err: r.stderr,
    summary: r.status === 0 ? readFileSync(join(out, "summary.json"), "utf8") : "",
  };
}

describe("reference JSONL, streamed", () => {
  test("a faulty small day gives the summary.json the whole-day DuckDB reader gave (stored from build fa4f559)", () => {
    // The stored file is that build's summary.json of this same day (writeFaultyLegacyDay is deterministic),
    // with the input folder replaced by <DAY>: verdict, every total, the skipped lines and their reasons; later
    // additive fields (input.files_listed / footers_read, 0 for JSONL) added by hand.
    const day = join(root, "faulty", "day");
    writeFaultyLegacyDay(day);
    const r = report(day, join(root, "faulty-out"));
    assert.equal(r.code, 0, r.err);
    const expected = readFileSync(join(here, "testdata", "legacy-day.summary.json"), "utf8");
    assert.deepEqual(JSON.parse(r.summary.split(day).join("<DAY>")), JSON.parse(expected));
  });

  test(`${TEMPLATE_ENV}=0 (every bucket read in JavaScript, the WebAssembly template off): the same stored summary`, () => {
    const day = join(root, "no-template", "day");
    writeFaultyLegacyDay(day);
    const r = reportWith({ [TEMPLATE_ENV]: "0" }, day, join(root, "no-template-out"));
    assert.equal(r.code, 0, r.err);
    const expected = readFileSync(join(here, "testdata", "legacy-day.summary.json"), "utf8");
    assert.deepEqual(JSON.parse(r.summary.split(day).join("<DAY>")), JSON.parse(expected));
  });

  test("files whose names are not in time order: deltas from the run order (window fallback), same summary", () => {
    const inOrder = join(root, "ordered", "day");
    writeLegacyDay(inOrder);
    const shuffled = join(root, "shuffled", "day");
    const files = writeLegacyDay(shuffled);
    // Name order z, y, x over time order: streamed first is the latest hour.
    for (const [i, f] of files.entries())
      renameSync(f, join(shuffled, `${String.fromCharCode(122 - i)}.jsonl`));
    assert.equal(
      legacyDayFiles(shuffled)[0],
      join(shuffled, `${String.fromCharCode(122 - files.length + 1)}.jsonl`),
    );
    const a = report(inOrder, join(root, "ordered-out"));
    const b = report(shuffled, join(root, "shuffled-out"));
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    assert.equal(b.summary.split(shuffled).join("<DAY>"), a.summary.split(inOrder).join("<DAY>"));
  });

  test("--memory-limit 32MB: the day is reported within it, the same as without (the whole-day reader needed 256 MB of buffers)", () => {
    const day = join(root, "mem", "day");
    writeLegacyDay(day);
    const full = report(day, join(root, "mem-full"));
    const small = report(day, join(root, "mem-small"), "--memory-limit", "32MB", "--threads", "1");
    assert.equal(full.code, 0, full.err);
    assert.equal(small.code, 0, small.err);
    assert.equal(small.summary, full.summary);
  });

  test("--memory-limit too small to run: the engine error, exit 1, never a verdict on part of the data", () => {
    const day = join(root, "mem4", "day");
    writeLegacyDay(day);
    // 4 MB: since the deltas stay out of DuckDB (ingest/jsonl-scan.ts) this day needs less than 8 MB of it.
    const r = report(day, join(root, "mem-tiny"), "--memory-limit", "4MB", "--threads", "1");
    assert.equal(r.code, EXIT.IO, r.err);
    assert.match(r.err, /Out of Memory Error.*raise --memory-limit/);
  });

  test("a line that is not UTF-8 is skipped and named with its line number", () => {
    const day = join(root, "utf8", "day");
    const files = writeLegacyDay(day);
    const last = files[files.length - 1]!;
    const text = readFileSync(last, "latin1");
    const lines = text.split("\n").filter((l) => l.length > 0);
    writeFileSync(last, Buffer.from(`${text}{"version":5,"ts_unix_sec":1,"x":"\xff"}\n`, "latin1"));
    const r = report(day, join(root, "utf8-out"));
    assert.equal(r.code, 0, r.err);
    const skipped = (
      JSON.parse(r.summary) as { input: { skipped: { first: { file: string; line: number }[] } } }
    ).input.skipped.first;
    assert.deepEqual(
      skipped.map((s) => [s.file, s.line]),
      [[last, lines.length + 1]],
    );
  });
});

test("buckets without dst_port, or with key_value (v3): the fast path reads them as DuckDB's typing does", () => {
  const variants: [string, (line: string) => string][] = [
    ["no-port", (l) => l.replaceAll('"dst_port":8899,', "")],
    [
      "key-value",
      (l) =>
        l.replace(
          /"src_ip":"(\d+)\.(\d+)\.(\d+)\.(\d+)"/g,
          (_m, a, b, c, d) =>
            `"key_value":${((Number(a) * 256 + Number(b)) * 256 + Number(c)) * 256 + Number(d)}`,
        ),
    ],
  ];
  for (const [name, change] of variants) {
    const fast = join(root, `${name}-fast`, "day");
    const slow = join(root, `${name}-slow`, "day");
    for (const [dir, extra] of [
      [fast, ""],
      // A non-ASCII member nobody reads sends every line the slow way (DuckDB types it) and changes nothing else.
      [slow, '"note":"\u00e9t\u00e9",'],
    ] as const) {
      execFileSync("python3", [sharedPath("tools", "gen-day-jsonl.py"), dir, "30", "40"]);
      for (const f of legacyDayFiles(dir)) {
        const text = readFileSync(f, "utf8")
          .split("\n")
          .map((l) => (l ? change(l).replace('{"version"', `{${extra}"version"`) : l))
          .join("\n");
        writeFileSync(f, text);
      }
    }
    const a = report(fast, join(root, `${name}-fast-out`));
    const b = report(slow, join(root, `${name}-slow-out`));
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    assert.equal(a.summary.split(fast).join("<DAY>"), b.summary.split(slow).join("<DAY>"), name);
    assert.match(a.summary, /"verdict"/);
  }
});

test("parse threads give the same lines, skips, keys and deltas as parsing on the main thread", async () => {
  const day = join(root, "threads", "day");
  const files = writeFaultyLegacyDay(day);
  const run = (workers: number) =>
    withDuckDB({}, async (c) => {
      const st = new LegacyStream(c, "deltas", () => "h", workers);
      await st.run(files);
      const parts = [...st.spooled.small, ...st.spooled.big].map((f) => `SELECT * FROM read_parquet('${f}')`);
      const rows = (
        await c.runAndReadAll(
          `SELECT line, kid, ${FAST_COUNTERS.map((x) => `${x}::DOUBLE`).join(", ")} FROM (${[...parts, "SELECT * FROM jd_small", "SELECT * FROM jd_big"].join(" UNION ALL ")}) ORDER BY line, kid`,
        )
      ).getRows();
      return { lines: st.lines, skips: st.skips, keys: st.keys, bad: [...st.badBuckets], rows };
    });
  const inline = await run(0);
  assert.ok(inline.rows.length > 1000 && inline.skips.length === 2, JSON.stringify(inline.skips));
  assert.deepEqual(await run(1), inline);
  // Two threads take the files alternately; the main thread still takes them in order.
  assert.deepEqual(await run(2), inline);
});

test("the delta files reach jrows as a registered list: the view's SQL names none of them, and reads them all", async () => {
  const day = join(root, "spool-list", "day");
  const files = writeFaultyLegacyDay(day);
  await withDuckDB({}, async (c) => {
    const st = new LegacyStream(c, "deltas", () => "h", 0);
    await st.run(files);
    const spooled = [...st.spooled.small, ...st.spooled.big];
    assert.ok(spooled.length > 0);
    const direct = Number(
      (
        await c.runAndReadAll(
          `SELECT count(*) FROM (${spooled.map((f) => `SELECT line FROM read_parquet('${f}')`).join(" UNION ALL ")})`,
        )
      ).getRows()[0]![0],
    );
    await c.run("CREATE TEMP TABLE jline AS SELECT DISTINCT line, line AS iv FROM jd_small");
    await c.run(
      `INSERT INTO jline SELECT line, line FROM (${spooled.map((f) => `SELECT line FROM read_parquet('${f}')`).join(" UNION ALL ")}) GROUP BY line`,
    );
    const small = await registerFileList(c, "jd_small_files", st.spooled.small);
    const big = await registerFileList(c, "jd_big_files", st.spooled.big);
    await c.run(legacyRowsViewSql(small, big, false));
    const viewSql = String(
      (await c.runAndReadAll("SELECT sql FROM duckdb_views() WHERE view_name = 'jrows'")).getRows()[0]![0],
    );
    for (const f of spooled) assert.ok(!viewSql.includes(f), `the view names ${f}`);
    const inView = Number((await c.runAndReadAll("SELECT count(*) FROM jrows")).getRows()[0]![0]);
    const inMemory = Number(
      (
        await c.runAndReadAll("SELECT (SELECT count(*) FROM jd_small) + (SELECT count(*) FROM jd_big)")
      ).getRows()[0]![0],
    );
    assert.ok(direct > 1000);
    assert.equal(inView, direct + inMemory);
    // The text is the same for one delta file or thousands.
    const many = { expr: small.expr, count: 5000 };
    assert.equal(legacyRowsViewSql(many, many, true), legacyRowsViewSql(small, small, true));
  });
});

describe("the byte scanner takes only lines every reader agrees on", () => {
  const line =
    '{"version":5,"aggregation":"src_ip_dst_port","ts_unix_sec":1120,"interval_sec":60,"run_id":1000,' +
    '"counter_mode":"cumulative","base_ts_unix_sec":1000,"dst_ports":[8080],"resp_aggregates":{"count":1,"x":[1,{"y":"a\\"b"}]},' +
    '"buckets":[{"key_type":"src_ip","src_ip":"10.0.0.1","flags":[1,{"a":null}],"dst_port":8080,"syn":5000,"ack":50,"handshake_ack":10,"rst":0,"packets":5050,"bytes":505000},' +
    '{"dst_port":443,"src_ip":"10.0.1.200","key_type":"src_cidr24","bytes":1,"packets":2,"rst":3,"handshake_ack":4,"ack":5,"syn":6}]}';

  test("the collector's shape (and reordered members, skipped members) reads as the lenient reader reads it", () => {
    const f = new FastLine();
    const b = Buffer.from(line);
    assert.equal(readFastLine(b, 0, b.length, f), true);
    const ref = parseLegacyLine(line, "x", 1);
    assert.equal(ref.kind, "snapshot");
    if (ref.kind !== "snapshot") return;
    assert.equal(f.n, ref.snapshot.buckets.length);
    assert.deepEqual([f.version, f.ts, f.runId, f.baseTs, f.intervalSec], [5, 1120, "1000", 1000, 60]);
    ref.snapshot.buckets.forEach((bk, i) => {
      // The scanner keeps the address as written; the key masks a src_cidr24 address.
      const ip = f.cidr[i]! & 1 ? f.ip[i]! - (f.ip[i]! % 256) : f.ip[i]!;
      assert.deepEqual(
        [...bk.addr.subarray(0, 4)],
        [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255],
      );
      assert.equal(f.port[i], bk.dstPort ?? -1);
      assert.equal(f.cidr[i], bk.prefixLen === 24 ? 1 : 0);
      assert.deepEqual(
        [...f.counters.subarray(i * 6, i * 6 + 6)],
        [bk.syn, bk.ack, bk.handshake_ack, bk.rst, bk.packets, bk.bytes],
      );
    });
  });

  for (const [what, from, to] of [
    ["a counter as text", '"syn":5000', '"syn":"5000"'],
    ["a fraction", '"syn":5000', '"syn":5000.0'],
    ["a counter above 2^53-1", '"syn":5000', '"syn":9007199254740992'],
    ["a leading zero in an address", '"10.0.0.1"', '"010.0.0.1"'],
    ["a port above 65535", '"dst_port":8080,"syn"', '"dst_port":80800,"syn"'],
    ["a null port", '"dst_port":8080,"syn"', '"dst_port":null,"syn"'],
    ["a duplicate member", '"syn":5000', '"syn":5000,"syn":1'],
    ["a missing counter", '"rst":0,', ""],
    ["an unknown key type", '"key_type":"src_ip"', '"key_type":"dst_ip"'],
    ["version 8", '"version":5', '"version":8'],
    ["both src_ip and key_value", '"src_ip":"10.0.0.1"', '"src_ip":"10.0.0.1","key_value":167772161'],
    ["a key_value above 2^32-1", '"src_ip":"10.0.0.1"', '"key_value":4294967296'],
    ["trailing text", '"syn":6}]}', '"syn":6}]}x'],
    ["an escape in a member name", '"rst":0', '"r\\u0073t":0'],
  ] as const)
    test(`${what}: not taken (the line goes the slow way)`, () => {
      const text = line.replace(from, to);
      assert.notEqual(text, line);
      const b = Buffer.from(text);
      assert.equal(readFastLine(b, 0, b.length, new FastLine()), false);
    });
});
