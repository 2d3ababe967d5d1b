// History scenarios (docs/report.md, "History"): daily reports over real collector Parquet, each appending its
// record to a real history store (Parquet through DuckDB) that the next one reads: new vs recurring keys with
// their runs, the verdict per report, a threshold change flagged, a rerun over the same window counted once,
// a corrupt or foreign file skipped, an unwritable store a note, and --no-history writing nothing.
import assert from "node:assert/strict";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { EMPTY_ALLOWLIST } from "./allowlist.js";
import { main } from "./cli.js";
import { DEFAULT_CONFIG } from "./config.js";
import { withDuckDB } from "./ingest/duckdb.js";
import type { ReportConfig, ReportModel } from "./model.js";
import { type Generated, generateReport } from "./report.js";
import { DEFAULT_RUN_OPTIONS } from "./testing/run-report.js";
import { steady, type Traffic, writeParquetRun } from "./testing/snapshots.js";
import { healthyHeavyClient, quietBackground, synFlood } from "./testing/traffic.js";

const DAY = 86_400;
/** 2026-12-01T00:00:00Z */
const DAY0 = Date.UTC(2026, 11, 1) / 1000;
const root = mkdtempSync(join(tmpdir(), "ibsr-history-"));
after(() => rmSync(root, { recursive: true, force: true }));

const A = "198.18.0.5";
const B = "198.18.0.6";
const C = "198.18.0.7";
const H = "198.18.0.20";

/** Day d's run of edge-a: an hour from 01:00 UTC, the background plus `extra` in intervals 5..14. */
function writeDay(dir: string, d: number, extra: Traffic[], host = "edge-a"): void {
  const base = DAY0 + d * DAY + 3600;
  writeParquetRun(dir, {
    host,
    runId: `${host}-day${d}`,
    baseTs: base,
    intervalSec: 60,
    snapshots: steady(base, 60, 20, (i) => [...quietBackground(), ...(i >= 5 && i <= 14 ? extra : [])]),
  });
}

/** The report of day d (window: that UTC day), written to out-<tag>, with the history store `hist`. */
async function reportDay(
  input: string,
  d: number,
  tag: string,
  hist: string | null,
  cfg: Partial<ReportConfig> = {},
  late = 0,
): Promise<Generated> {
  const start = DAY0 + d * DAY;
  return generateReport({
    ...DEFAULT_RUN_OPTIONS,
    inputs: [input],
    cfg: { ...DEFAULT_CONFIG, ...cfg },
    allowlist: EMPTY_ALLOWLIST,
    since: { kind: "abs", t: start },
    until: { kind: "abs", t: start + DAY },
    now: start + DAY + late,
    outDir: join(root, `out-${tag}`),
    formats: ["html", "md", "json"],
    history: hist === null ? null : { dir: hist },
  });
}

const streaks = (m: ReportModel) =>
  Object.fromEntries((m.history?.keys.rows ?? []).map((k) => [k.display, [k.streak, k.isNew]]));

describe("three consecutive daily reports", () => {
  // A every day; B from day 1; C on day 2; H (healthy heavy client) on day 0 only: NOT READY, READY, READY.
  const input = join(root, "daily");
  const hist = join(root, "daily-history");
  const runs: Generated[] = [];
  before(async () => {
    writeDay(input, 0, [synFlood(A), healthyHeavyClient(H)]);
    runs.push(await reportDay(input, 0, "d0", hist));
    writeDay(input, 1, [synFlood(A), synFlood(B)]);
    runs.push(await reportDay(input, 1, "d1", hist));
    writeDay(input, 2, [synFlood(A), synFlood(B), synFlood(C)]);
    runs.push(await reportDay(input, 2, "d2", hist));
  });

  test("each report appends one Parquet record that DuckDB reads as one table", async () => {
    const files = readdirSync(hist).sort();
    assert.equal(files.length, 3);
    assert.ok(files.every((f) => f.endsWith(".parquet") && f.startsWith("202612")));
    assert.deepEqual(runs.map((r) => r.historyFile?.slice(hist.length + 1)).sort(), files);
    const rows = await withDuckDB({}, async (c) => {
      const r = await c.runAndReadAll(
        `SELECT strftime(window_start, '%Y-%m-%d') AS day, kind, host, outcome, key, healthy_blocked
         FROM read_parquet('${hist}/*.parquet') WHERE kind <> 'host' ORDER BY day, kind DESC, key`,
      );
      return r.getRowObjectsJS();
    });
    assert.deepEqual(
      rows.map((r) => [r.day, r.kind, r.outcome ?? r.key, r.healthy_blocked]),
      [
        ["2026-12-01", "report", "NOT_READY", null],
        ["2026-12-01", "key", `${H}:80`, true],
        ["2026-12-01", "key", `${A}:80`, false],
        ["2026-12-02", "report", "READY", null],
        ["2026-12-02", "key", `${A}:80`, false],
        ["2026-12-02", "key", `${B}:80`, false],
        ["2026-12-03", "report", "READY", null],
        ["2026-12-03", "key", `${A}:80`, false],
        ["2026-12-03", "key", `${B}:80`, false],
        ["2026-12-03", "key", `${C}:80`, false],
      ],
    );
  });

  test("the first report has no history; the third shows the verdict per report and each key's run", () => {
    const first = runs[0]!.result.model.history!;
    assert.equal(first.earlierReports, 0);
    assert.equal(first.reports.length, 1);
    assert.ok(first.recorded);
    const h = runs[2]!.result.model.history!;
    assert.equal(h.earlierReports, 2);
    assert.deepEqual(
      h.reports.map((r) => [r.start.iso.slice(0, 10), r.outcome, r.blockedKeys, r.current]),
      [
        ["2026-12-01", "NOT_READY", 2, false],
        ["2026-12-02", "READY", 2, false],
        ["2026-12-03", "READY", 3, true],
      ],
    );
    assert.deepEqual(h.reports[0]!.reasons, ["FP_TOO_HIGH", "HEALTHY_BLOCKED"]);
    assert.deepEqual(streaks(runs[2]!.result.model), {
      [`${A}:80`]: [3, false],
      [`${B}:80`]: [2, false],
      [`${C}:80`]: [1, true],
    });
    assert.equal(h.newKeys, 1);
    assert.equal(h.recurringKeys, 2);
    assert.deepEqual(
      h.healthyBefore.rows.map((k) => [k.display, k.reports, k.now]),
      [[`${H}:80`, 1, "not blocked"]],
    );
    assert.equal(h.thresholdChanges.length, 0);
    // Would-drop over time: A's 9 intervals, then A and B, then A, B and C.
    assert.deepEqual(
      h.reports.slice(1).map((r) => r.wouldDropPackets),
      [18n * 12_000n, 27n * 12_000n],
    );
    assert.ok(h.reports[0]!.wouldDropPackets > 9n * 12_000n);
  });

  test("Markdown, HTML and summary.json show it", () => {
    const out = join(root, "out-d2");
    const md = readFileSync(join(out, "report.md"), "utf8");
    assert.match(md, new RegExp(`New since the last report: ${C.replaceAll(".", "\\.")}:80\\.`));
    assert.match(md, new RegExp(`Blocked for the 3rd report in a row: ${A.replaceAll(".", "\\.")}:80\\.`));
    assert.match(md, new RegExp(`Blocked for the 2nd report in a row: ${B.replaceAll(".", "\\.")}:80\\.`));
    assert.match(
      md,
      /Healthy-blocked \(probably legitimate\) in an earlier report: 198\.18\.0\.20:80 \(now not blocked\)/,
    );
    // The history lines follow the verdict's reasons, before the check table's details.
    assert.ok(md.indexOf("Since earlier reports:") < md.indexOf("## History"));
    assert.match(md, /## History[\s\S]*\| \*\*NOT READY\*\* \| FP_TOO_HIGH, HEALTHY_BLOCKED \|/);
    const html = readFileSync(join(out, "report.html"), "utf8");
    assert.match(html, /<section id="history"/);
    assert.match(html, /<td class="outcome-not-ready">NOT READY<\/td>/);
    assert.match(html, /Blocked for the 3rd report in a row: 198\.18\.0\.5:80\./);
    assert.match(html, /<svg [^>]*class="chart sparkline"[^>]*aria-label="FP bound per report/);
    const j = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    assert.deepEqual(
      j.history.reports.map((r: { verdict: string }) => r.verdict),
      ["NOT_READY", "READY", "READY"],
    );
    assert.deepEqual(
      j.history.keys.map((k: { src: string; streak: number; new: boolean }) => [k.src, k.streak, k.new]),
      [
        [A, 3, false],
        [B, 2, false],
        [C, 1, true],
      ],
    );
  });

  describe("then", () => {
    const reruns: Generated[] = [];
    before(async () => {
      // The same day again an hour later (a cron job run twice), then day 3 with a higher SYN-rate threshold (A still hot).
      reruns.push(await reportDay(input, 2, "d2-again", hist, {}, 3600));
      writeDay(input, 3, [synFlood(A)]);
      reruns.push(await reportDay(input, 3, "d3", hist, { syn_rate_threshold: 150 }));
    });

    test("a rerun over the same window replaces the earlier record instead of counting twice", () => {
      const h = reruns[0]!.result.model.history!;
      assert.equal(h.reports.length, 3);
      assert.equal(h.earlierReports, 2);
      assert.deepEqual(streaks(reruns[0]!.result.model)[`${A}:80`], [3, false]);
      assert.ok(
        h.notes.some((n) => /1 earlier record over an overlapping window not counted/.test(n)),
        h.notes.join("\n"),
      );
      // Both records stay in the store (never rewritten); the reader counts the latest of a window. (Five
      // files: day 3's is there too.)
      assert.equal(readdirSync(hist).length, 5);
    });

    test("a threshold change between reports is flagged, not mixed silently", () => {
      const m = reruns[1]!.result.model;
      const h = m.history!;
      assert.equal(h.reports.length, 4);
      assert.deepEqual(
        h.thresholdChanges.map((c) => [c.key, c.from, c.to, c.at.iso.slice(0, 10)]),
        [["syn_rate_threshold", 100, 150, "2026-12-04"]],
      );
      assert.equal(
        h.thresholdChanges[0]!.text,
        "syn_rate_threshold changed from 100 to 150 on 2026-12-04: figures before and after are not comparable",
      );
      assert.notEqual(h.reports[2]!.configHash, h.reports[3]!.configHash);
      const md = readFileSync(join(root, "out-d3", "report.md"), "utf8");
      assert.match(
        md,
        /syn_rate_threshold changed from 100 to 150 on 2026-12-04: figures before and after are not comparable/,
      );
      assert.match(md, /\*\*changed\*\*/);
      assert.match(
        readFileSync(join(root, "out-d3", "report.html"), "utf8"),
        /<span class="badge warn">changed<\/span>/,
      );
      // A blocked on four days; B and C not today.
      assert.deepEqual(streaks(m), { [`${A}:80`]: [4, false] });
    });
  });
});

test("the very same report run twice gives the same bytes and a second record beside the first", async () => {
  const input = join(root, "same");
  const hist = join(root, "same-history");
  writeDay(input, 0, [synFlood(A)]);
  const first = await reportDay(input, 0, "same-1", hist);
  const again = await reportDay(input, 0, "same-2", hist);
  assert.equal(again.summaryJson, first.summaryJson);
  assert.equal(again.historyFile, first.historyFile!.replace(/\.parquet$/, "-1.parquet"));
  assert.equal(readdirSync(hist).length, 2);
});

test("a fleet's history has each host's verdict per report and keys per host", async () => {
  const input = join(root, "fleet");
  const hist = join(root, "fleet-history");
  writeDay(input, 0, [synFlood(A)], "edge-a");
  writeDay(input, 0, [synFlood(A), healthyHeavyClient(H)], "edge-b");
  await reportDay(input, 0, "fleet-0", hist);
  writeDay(input, 1, [synFlood(A)], "edge-a");
  writeDay(input, 1, [synFlood(B)], "edge-b");
  const g = await reportDay(input, 1, "fleet-1", hist);
  const h = g.result.model.history!;
  assert.deepEqual(
    h.hosts?.map((x) => [x.host, ...x.outcomes]),
    [
      ["edge-a", "READY", "READY"],
      ["edge-b", "NOT_READY", "READY"],
    ],
  );
  assert.deepEqual(
    h.keys.rows.map((k) => [k.host, k.display, k.streak, k.isNew]),
    [
      ["edge-a", `${A}:80`, 2, false],
      ["edge-b", `${B}:80`, 1, true],
    ],
  );
  const md = readFileSync(join(g.outDir, "report.md"), "utf8");
  assert.match(md, /New since the last report: 198\.18\.0\.6:80 on edge-b\./);
  assert.match(md, /\| edge-b \| NOT READY \| READY \|/);
  // A report over one of the hosts is another scope: it does not compare itself with the fleet's records.
  const one = await generateReport({
    ...DEFAULT_RUN_OPTIONS,
    inputs: [input],
    cfg: DEFAULT_CONFIG,
    allowlist: EMPTY_ALLOWLIST,
    host: "edge-a",
    since: { kind: "abs", t: DAY0 + DAY },
    until: { kind: "abs", t: DAY0 + 2 * DAY },
    now: DAY0 + 2 * DAY,
    outDir: join(root, "out-fleet-one"),
    formats: ["json"],
    history: { dir: hist },
  });
  assert.equal(one.result.model.history!.earlierReports, 0);
  assert.ok(one.result.model.history!.notes.some((n) => /2 records of another scope/.test(n)));
});

describe("a key that comes back, and a longer window over days already recorded", () => {
  // A every day; K on days 0 and 2 only. Daily reports of days 0-2, then one report over days 1-2 (generated
  // later), then day 3's daily report.
  const K = "198.18.0.9";
  const input = join(root, "gaps");
  const hist = join(root, "gaps-history");
  const daily: Generated[] = [];
  let twoDay: Generated;
  before(async () => {
    for (const d of [0, 1, 2]) {
      writeDay(input, d, d === 1 ? [synFlood(A)] : [synFlood(A), synFlood(K)]);
      daily.push(await reportDay(input, d, `gaps-d${d}`, hist));
    }
    twoDay = await generateReport({
      ...DEFAULT_RUN_OPTIONS,
      inputs: [input],
      cfg: DEFAULT_CONFIG,
      allowlist: EMPTY_ALLOWLIST,
      since: { kind: "abs", t: DAY0 + DAY },
      until: { kind: "abs", t: DAY0 + 3 * DAY },
      now: DAY0 + 3 * DAY + 7200,
      outDir: join(root, "out-gaps-two-day"),
      formats: ["json"],
      history: { dir: hist },
    });
    writeDay(input, 3, [synFlood(A)]);
    daily.push(await reportDay(input, 3, "gaps-d3", hist, {}, 10_800));
  });

  test("a key blocked again after a report without it is new again, its earlier report still counted", () => {
    const k = daily[2]!.result.model.history!.keys.rows.find((r) => r.display === `${K}:80`)!;
    assert.deepEqual([k.streak, k.isNew, k.reportsBlocked], [1, true, 2]);
    const a = daily[2]!.result.model.history!.keys.rows.find((r) => r.display === `${A}:80`)!;
    assert.deepEqual([a.streak, a.isNew, a.reportsBlocked], [3, false, 3]);
  });

  test("the FP bound and would-drop per report are each report's own figures", () => {
    const h = daily[2]!.result.model.history!;
    assert.deepEqual(
      h.reports.map((r) => r.wouldDropPackets),
      daily.slice(0, 3).map((g) => g.result.model.history!.reports.at(-1)!.wouldDropPackets),
    );
    assert.deepEqual(
      h.reports.map((r) => r.fpPct),
      daily.slice(0, 3).map((g) => g.result.model.history!.reports.at(-1)!.fpPct),
    );
    // K's would-drop on day 1 is missing: days 0 and 2 drop more than day 1.
    const [d0, d1, d2] = h.reports.map((r) => r.wouldDropPackets);
    assert.ok(d0! > d1! && d2! > d1!, `${d0} ${d1} ${d2}`);
  });

  test("records inside a longer window are replaced by it, not counted beside it", () => {
    const two = twoDay.result.model.history!;
    // Its own window covers days 1 and 2: their daily records are not counted; day 0's is.
    assert.equal(two.earlierReports, 1);
    assert.ok(
      two.notes.some((n) => /2 earlier records over an overlapping window not counted/.test(n)),
      two.notes.join("\n"),
    );
    const a = two.keys.rows.find((r) => r.display === `${A}:80`)!;
    assert.deepEqual([a.streak, a.reportsBlocked], [2, 2]);
    // Day 3 sees day 0, the two-day report (the latest of the overlapping ones) and itself: A on 3, not 5.
    const h = daily[3]!.result.model.history!;
    // (A window ends at its last data: each day's run is an hour from 01:00 UTC.)
    assert.deepEqual(
      h.reports.map((r) => [r.start.iso.slice(0, 10), r.end.iso.slice(0, 10)]),
      [
        ["2026-12-01", "2026-12-01"],
        ["2026-12-02", "2026-12-03"],
        ["2026-12-04", "2026-12-04"],
      ],
    );
    const a3 = h.keys.rows.find((r) => r.display === `${A}:80`)!;
    assert.deepEqual([a3.streak, a3.reportsBlocked], [3, 3]);
  });
});

describe("a hostile history store", () => {
  const input = join(root, "hostile");
  before(() => {
    writeDay(input, 0, [synFlood(A)]);
    writeDay(input, 1, [synFlood(A)]);
  });

  test("a corrupt file and a foreign Parquet file are skipped and counted, never fatal", async () => {
    const hist = join(root, "hostile-history");
    await reportDay(input, 0, "h0", hist);
    writeFileSync(join(hist, "20261201T000000Z-garbage.parquet"), "not parquet at all");
    // A snapshot file: valid Parquet, not a history record.
    const snap = readdirSync(input, { recursive: true })
      .map(String)
      .find((f) => f.endsWith(".parquet"))!;
    copyFileSync(join(input, snap), join(hist, "foreign.parquet"));
    const g = await reportDay(input, 1, "h1", hist);
    const h = g.result.model.history!;
    assert.equal(h.earlierReports, 1);
    assert.deepEqual(streaks(g.result.model)[`${A}:80`], [2, false]);
    const note = h.notes.find((n) => /2 files in the history store skipped/.test(n));
    assert.ok(note, h.notes.join("\n"));
    assert.match(note, /garbage\.parquet/);
    assert.match(note, /foreign\.parquet/);
    assert.equal(g.result.model.verdict.outcome, "READY");
  });

  test("a store that cannot be written is a note and a warning; the report is still written", async () => {
    const notDir = join(root, "a-file");
    writeFileSync(notDir, "x");
    const g = await reportDay(input, 1, "h-unwritable", notDir);
    const h = g.result.model.history!;
    assert.equal(h.recorded, false);
    assert.equal(g.historyFile, null);
    assert.match(g.historyWarning ?? "", /cannot be written/);
    assert.ok(h.notes.some((n) => n.includes(`The history store ${notDir} cannot be written`)));
    assert.match(readFileSync(join(g.outDir, "report.md"), "utf8"), /cannot be written/);
  });
});

describe("the command line", () => {
  const input = join(root, "cli");
  before(() => writeDay(input, 0, [synFlood(A)]));
  const day0 = ["--since", String(DAY0), "--until", String(DAY0 + DAY), "--now", String(DAY0 + DAY), "-q"];

  test("by default the store is ibsr-history beside the output directory", async () => {
    const parent = join(root, "cli-default");
    mkdirSync(parent);
    assert.equal(await main([input, "-o", join(parent, "out"), ...day0]), 0);
    assert.deepEqual(readdirSync(parent).sort(), ["ibsr-history", "out"]);
    assert.equal(readdirSync(join(parent, "ibsr-history")).length, 1);
    assert.equal(
      JSON.parse(readFileSync(join(parent, "out", "summary.json"), "utf8")).history.recorded,
      true,
    );
  });

  test("--no-history writes nothing and reads nothing", async () => {
    const parent = join(root, "cli-off");
    mkdirSync(parent);
    assert.equal(await main([input, "-o", join(parent, "out"), "--no-history", ...day0]), 0);
    assert.deepEqual(readdirSync(parent), ["out"]);
    assert.equal(JSON.parse(readFileSync(join(parent, "out", "summary.json"), "utf8")).history, undefined);
    assert.doesNotMatch(readFileSync(join(parent, "out", "report.md"), "utf8"), /## History/);
  });

  test("a store inside the output directory or an input is refused", async () => {
    const out = join(root, "cli-refused");
    await assert.rejects(
      main([input, "-o", out, "--history", join(out, "h"), ...day0]),
      /inside the output directory/,
    );
    await assert.rejects(
      main([input, "-o", out, "--history", join(input, "h"), ...day0]),
      /inside the input/,
    );
    assert.equal(existsSync(out), false);
  });
});
