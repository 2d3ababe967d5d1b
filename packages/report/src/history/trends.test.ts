// The history's rules on plain records: which records count (scope, overlapping windows, later windows),
// runs of blocked keys, threshold changes, and the brief's wording.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_CONFIG } from "../config.js";
import type { ReportConfig } from "../model.js";
import { historyBrief, ordinal } from "../render/history-text.js";
import { configHash, type HistoryRecord } from "./record.js";
import { acceptedRecords, historyTrends } from "./trends.js";

const H = 3600;
let ids = 0;

/** A record of host h over [start, end) hours, generated at `gen` hours, blocking `keys` on h. */
function rec(
  start: number,
  end: number,
  gen: number,
  keys: string[],
  o: { hosts?: string[]; ports?: number[]; cfg?: Partial<ReportConfig>; healthy?: string[] } = {},
): HistoryRecord {
  const cfg = { ...DEFAULT_CONFIG, ...o.cfg };
  const hosts = o.hosts ?? ["h"];
  const v = {
    outcome: "READY" as const,
    reasons: [],
    blockedKeys: keys.length,
    wouldDropPackets: 1n,
    wouldDropPct: 1,
    fpPct: 0,
  };
  return {
    id: `r${ids++}`,
    generatedAt: gen * H,
    start: start * H,
    end: end * H,
    inputs: ["/x"],
    dstPorts: o.ports ?? [80],
    config: cfg,
    configHash: configHash(cfg),
    fleet: v,
    hosts: hosts.map((host) => ({ host, ...v })),
    keys: keys.map((k) => ({
      host: hosts[0]!,
      family: 4,
      src: k,
      prefixLen: 32,
      dstPort: 80,
      display: `${k}:80`,
      healthyBlocked: o.healthy?.includes(k) ?? false,
      wouldDropPackets: 1n,
      abuseClass: "SYN_FLOOD_LIKE",
    })),
  };
}

const store = (records: HistoryRecord[]) => ({ records, skipped: [] });

test("overlapping windows count once: the current report first, then the latest generated", () => {
  const cur = rec(48, 72, 72, []);
  const day0 = rec(0, 24, 24, []);
  const day1 = rec(24, 48, 48, []);
  const day1Later = rec(24, 48, 50, []); // rerun of day 1: replaces day1
  const hourly = rec(60, 61, 61, []); // inside the current window: replaced by it
  const r = acceptedRecords(cur, [day0, day1, day1Later, hourly]);
  assert.deepEqual(
    r.accepted.map((x) => x.id),
    [day0.id, day1Later.id, cur.id],
  );
  assert.equal(r.replaced, 2);
});

test("other hosts or disjoint ports are another scope; later windows are not this report's past", () => {
  const cur = rec(24, 48, 48, [], { ports: [80, 443] });
  const r = acceptedRecords(cur, [
    rec(0, 24, 24, [], { hosts: ["h", "g"] }),
    rec(0, 24, 24, [], { ports: [22] }),
    rec(0, 24, 25, [], { ports: [443] }),
    rec(48, 72, 72, []),
  ]);
  assert.equal(r.otherScope, 2);
  assert.equal(r.later, 1);
  assert.equal(r.accepted.length, 2);
});

test("runs end with this report; a gap restarts them; healthy-blocked before is remembered", () => {
  const past = [
    rec(0, 24, 24, ["a", "b", "c"], { healthy: ["c"] }),
    rec(24, 48, 48, ["a", "c"]),
    rec(48, 72, 72, ["a"]),
  ];
  const h = historyTrends({
    dir: "/h",
    current: rec(72, 96, 96, ["a", "b", "d"]),
    store: store(past),
    recorded: true,
    writeNotes: [],
  });
  assert.deepEqual(
    h.keys.rows.map((k) => [k.src, k.streak, k.reportsBlocked, k.isNew, k.healthyBefore]),
    [
      ["a", 4, 4, false, false],
      ["b", 1, 2, true, false],
      ["d", 1, 1, true, false],
    ],
  );
  assert.deepEqual(
    h.healthyBefore.rows.map((k) => [k.src, k.reports, k.now]),
    [["c", 1, "not blocked"]],
  );
  assert.deepEqual(historyBrief(h), [
    "New since the last report: b:80 (blocked in 1 earlier report too), d:80.",
    "Blocked for the 4th report in a row: a:80.",
    "Healthy-blocked (probably legitimate) in an earlier report: c:80 (now not blocked).",
  ]);
});

test("a threshold change between shown reports is named with the day of the first report using it", () => {
  const h = historyTrends({
    dir: "/h",
    current: rec(48, 72, 72, [], { cfg: { syn_rate_threshold: 200, max_rules: 5 } }),
    store: store([rec(0, 24, 24, []), rec(24, 48, 48, [])]),
    recorded: true,
    writeNotes: [],
  });
  assert.deepEqual(
    h.thresholdChanges.map((c) => c.text),
    [
      "syn_rate_threshold changed from 100 to 200 on 1970-01-03: figures before and after are not comparable",
      `max_rules changed from ${DEFAULT_CONFIG.max_rules} to 5 on 1970-01-03: figures before and after are not comparable`,
    ],
  );
});

test("only the last 14 reports are shown; the runs count over all of them", () => {
  const past = Array.from({ length: 20 }, (_, d) => rec(d * 24, d * 24 + 24, d * 24 + 24, ["a"]));
  const h = historyTrends({
    dir: "/h",
    current: rec(480, 504, 504, ["a"]),
    store: store(past),
    recorded: true,
    writeNotes: [],
  });
  assert.equal(h.reports.length, 14);
  assert.equal(h.leftOut, 7);
  assert.equal(h.keys.rows[0]!.streak, 21);
});

test("ordinals", () => {
  assert.deepEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map(ordinal), [
    "1st",
    "2nd",
    "3rd",
    "4th",
    "11th",
    "12th",
    "13th",
    "21st",
    "22nd",
    "23rd",
    "101st",
    "111th",
  ]);
});
