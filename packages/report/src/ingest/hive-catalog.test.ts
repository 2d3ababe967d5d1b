// Discovery on a fleet tree: --host and --since/--until prune by host=/date= folders and file names before any
// footer is opened, and the report on what is read equals the report on everything.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { formatRunId } from "@ibsr/contract";
import { DEFAULT_CONFIG } from "../config.js";
import { discoverSnapshots } from "../engine.js";
import { readCatalog } from "../stages/read-catalog.js";
import { generateFleetTree } from "../testing/fleet-tree.js";
import { DEFAULT_RUN_OPTIONS, reportOn } from "../testing/run-report.js";
import { parseTimeSpec } from "../timespec.js";
import { withDuckDB } from "./duckdb.js";
import { dayInWindow } from "./hive-prune.js";

const START = Date.UTC(2026, 10, 30, 22, 0) / 1000; // runs cross midnight into 2026-12-01
const SNAPS = 300;
const HOSTS = ["edge-a", "edge-b", "core-1", "core-2", "db*1"];

let dir: string;
let flat: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "ibsr-fleet-"));
  generateFleetTree(join(dir, "tree"), {
    hosts: HOSTS.length,
    snapshots: SNAPS,
    start: START,
    minKeys: 2,
    maxKeys: 4,
    hostName: (i) => HOSTS[i]!,
  });
  // The same files outside the layout: nothing can be pruned there.
  flat = join(dir, "flat");
  mkdirSync(flat);
  for (const h of readdirSync(join(dir, "tree"))) {
    if (!h.startsWith("host=")) continue;
    for (const d of readdirSync(join(dir, "tree", h)))
      for (const f of readdirSync(join(dir, "tree", h, d)))
        cpSync(join(dir, "tree", h, d, f), join(flat, `${h.slice(5)}-${d.slice(5)}-${f}`));
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function catalog(
  input: string,
  host: string | null,
  since: string | null,
  until: string | null = null,
) {
  const progress: string[] = [];
  const opts = {
    ...DEFAULT_RUN_OPTIONS,
    inputs: [input],
    cfg: DEFAULT_CONFIG,
    host,
    since: since === null ? null : parseTimeSpec(since, "--since"),
    until: until === null ? null : parseTimeSpec(until, "--until"),
    progress: (m: string) => progress.push(m),
  };
  const found = discoverSnapshots([input], host);
  return withDuckDB({}, async (c) => ({ cat: await readCatalog(c, found, [], opts), progress }));
}

describe("discovery over host=/date= folders", () => {
  it("--host a,b --since -2h opens only the two hosts' last two hours (and one anchor-sized margin)", async () => {
    const { cat, progress } = await catalog(join(dir, "tree"), "edge-a,core-1", "-2h");
    const hosts = new Set(cat.snaps.map((s) => s.host));
    assert.deepEqual([...hosts].sort(), ["core-1", "edge-a"]);
    // 120 one-minute snapshots in the window, the window's baseline, and the margins of hive-prune.ts (two
    // intervals each side of the bound): at most 124 per host; every other file stays closed.
    assert.ok(cat.discovery.opened <= 2 * 124, `opened ${cat.discovery.opened}`);
    assert.ok(cat.discovery.opened >= 2 * 121, `opened ${cat.discovery.opened}`);
    assert.equal(cat.discovery.hostFoldersPruned, 3);
    const latest = START + 60 * SNAPS;
    for (const s of cat.snaps) assert.ok(s.ts >= latest - 7200 - 4 * 60, `snapshot at ${s.ts} was read`);
    assert.match(progress.join("\n"), new RegExp(`read ${cat.discovery.opened} footer\\(s\\) of`));
    assert.equal(cat.discovery.dateFolders, 4);
  });

  it("absolute --since/--until read only the window's files, without a latest-snapshot search", async () => {
    const from = new Date((START + 3600) * 1000).toISOString();
    const to = new Date((START + 3600 + 1800) * 1000).toISOString();
    const { cat } = await catalog(join(dir, "tree"), "edge-b", from, to);
    assert.ok(cat.discovery.opened <= 30 + 8, `opened ${cat.discovery.opened}`);
    assert.ok(cat.snaps.every((s) => s.ts >= START + 3600 - 240 && s.ts <= START + 5400 + 240));
  });

  it("glob patterns select hosts; a backslash selects a name with a glob character literally", async () => {
    const g = await catalog(join(dir, "tree"), "edge-*", "-10m");
    assert.deepEqual([...new Set(g.cat.snaps.map((s) => s.host))].sort(), ["edge-a", "edge-b"]);
    assert.equal(g.cat.discovery.hostFoldersPruned, 3);
    const q = await catalog(join(dir, "tree"), "core-?", "-10m");
    assert.deepEqual([...new Set(q.cat.snaps.map((s) => s.host))].sort(), ["core-1", "core-2"]);
    const lit = await catalog(join(dir, "tree"), "db\\*1", "-10m");
    assert.deepEqual([...new Set(lit.cat.snaps.map((s) => s.host))], ["db*1"]);
    const set = await catalog(join(dir, "tree"), "[ce]*-[1a]", "-10m");
    assert.deepEqual([...new Set(set.cat.snaps.map((s) => s.host))].sort(), ["core-1", "edge-a"]);
  });

  it("--host that matches no host folder is a usage error naming the flag", async () => {
    await assert.rejects(catalog(join(dir, "tree"), "nosuch,other-*", null), (e: Error) => {
      assert.match(
        e.message,
        /--host nosuch,other-\*: no host=<name> folder .* \(5 host folder\(s\) left out\)/,
      );
      return true;
    });
  });

  it("the report on the pruned tree equals the report on the same files outside the layout", async () => {
    const opts = { host: "edge-a,core-1", since: parseTimeSpec("-2h", "--since") };
    const pruned = await reportOn(join(dir, "tree"), opts);
    const whole = await reportOn(flat, opts);
    try {
      const m = pruned.model;
      const w = whole.model;
      assert.deepEqual(m.verdict, w.verdict);
      assert.deepEqual(m.scope.since, w.scope.since);
      assert.deepEqual([m.scope.start, m.scope.end], [w.scope.start, w.scope.end]);
      assert.equal(m.scope.observedSec, w.scope.observedSec);
      assert.deepEqual(m.scope.gaps, w.scope.gaps);
      assert.deepEqual(pruned.sources, whole.sources);
      assert.deepEqual(
        m.scope.baselines.list.map((b) => [b.host, b.at, b.reason]),
        w.scope.baselines.list.map((b) => [b.host, b.at, b.reason]),
      );
      assert.ok(pruned.sources.length > 0, "the flooding host's source is in both");
    } finally {
      pruned.dispose();
      whole.dispose();
    }
  });

  it("a date folder more than a day (the longest interval) outside the window is not listed", () => {
    const w = { since: Date.UTC(2026, 11, 3, 1) / 1000, until: null };
    assert.equal(dayInWindow("2026-12-03", w), true);
    assert.equal(dayInWindow("2026-12-02", w), true);
    assert.equal(dayInWindow("2026-12-01", w), false);
    const u = { since: null, until: Date.UTC(2026, 11, 3, 1) / 1000 };
    assert.equal(dayInWindow("2026-12-04", u), true);
    assert.equal(dayInWindow("2026-12-05", u), false);
  });

  it("run ids of the collector carry the run's start (the bound --until pruning uses)", () => {
    assert.match(formatRunId(BigInt(START) * 1_000_000n, 0xabc), /^20261130T220000Z0abc$/);
  });
});
