// Scenario tests of what an operator may apply (rules.json's triggers, rules.nft, rules.txt): real Parquet
// through the engine, then the renderers. A healthy blocked client is never in them; merged prefixes never
// cover another source with traffic.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Family, parsePrefix } from "@ibsr/contract";
import type { ReportResult } from "./engine.js";
import { NFT_SETS, renderRulesNft, renderRulesTxt } from "./render/rules-export.js";
import { reportOn } from "./testing/run-report.js";
import { steady, writeParquetRun } from "./testing/snapshots.js";
import { healthyHeavyClient, quietBackground, quietClient, synFlood } from "./testing/traffic.js";

const BASE = 1_700_000_000;
const root = mkdtempSync(join(tmpdir(), "ibsr-exports-"));
after(() => rmSync(root, { recursive: true, force: true }));

const flood = synFlood;
const quiet = quietClient;
const healthyHeavy = healthyHeavyClient;

const HEALTHY = "198.18.0.20";
const UNBLOCKED = "198.18.8.3";

/** Parses rules.txt's entries: [cidr, port] (0 = any). */
function txtEntries(txt: string): { cidr: string; port: number; note: string }[] {
  return txt
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const m = /^(\S+) (\d+|any)(?: # (.*))?$/.exec(l);
      assert.ok(m, `rules.txt line ${JSON.stringify(l)}`);
      return { cidr: m[1]!, port: m[2] === "any" ? 0 : Number(m[2]), note: m[3] ?? "" };
    });
}

/** rules.nft's elements per set: [cidr, port (0 for the any-port sets), comment]. */
function nftElements(nft: string): Map<string, { cidr: string; port: number; comment: string }[]> {
  const out = new Map<string, { cidr: string; port: number; comment: string }[]>();
  let set: string | null = null;
  for (const line of nft.split("\n")) {
    if (line.startsWith("#")) continue;
    const s = /^\s*set (\S+) \{/.exec(line);
    if (s) {
      set = s[1]!;
      out.set(set, []);
      continue;
    }
    const e = /^\s*(\S+)(?: \. (\d+))? timeout \S+ comment "([^"]*)",$/.exec(line);
    if (e && set) out.get(set)!.push({ cidr: e[1]!, port: Number(e[2] ?? 0), comment: e[3]! });
  }
  return out;
}

/** Whether a CIDR contains an address or prefix. */
function covers(cidr: string, inner: string): boolean {
  const a = parsePrefix(cidr);
  const b = parsePrefix(inner);
  if (a.family !== b.family || a.prefixLen > b.prefixLen) return false;
  for (let bit = 0; bit < a.prefixLen; bit++) {
    const m = 0x80 >> (bit % 8);
    if ((a.bytes[bit >> 3]! & m) !== (b.bytes[bit >> 3]! & m)) return false;
  }
  return true;
}

describe("a healthy client blocked among attackers and unblocked neighbours", () => {
  let r: ReportResult;
  let rules: {
    version: number;
    triggers: Record<string, unknown>[];
    held_back: Record<string, unknown>[];
    exports: { withheld: unknown[]; merged_entries: number };
  };
  let nft: string;
  let txt: string;
  before(async () => {
    const d = join(root, "mixed");
    writeParquetRun(d, {
      baseTs: BASE,
      intervalSec: 60,
      snapshots: steady(BASE, 60, 20, (i) => [
        ...quietBackground(),
        quiet(UNBLOCKED),
        quiet("198.18.9.1", 443),
        ...(i >= 5 && i <= 14
          ? [
              healthyHeavy(HEALTHY),
              // .21-.23 flood next to the healthy .20; .0-.2 of 198.18.8.0/30 next to the unblocked .3.
              ...["198.18.0.21", "198.18.0.22", "198.18.0.23"].map((s) => flood(s)),
              ...["198.18.7.0", "198.18.7.1", "198.18.7.2", "198.18.7.3"].map((s) => flood(s)),
              ...["198.18.8.0", "198.18.8.1", "198.18.8.2"].map((s) => flood(s)),
              ...["198.18.9.0", "198.18.9.1"].map((s) => flood(s)),
              ...["2001:2:0:1::/64", "2001:2:0:2::/64", "2001:2:0:3::/64"].map((s) => flood(s, 443)),
              flood("2001:2:0:10::/64", 443),
            ]
          : []),
      ]),
    });
    r = await reportOn(d);
    rules = JSON.parse(r.model.rules.json);
    nft = renderRulesNft(r.model);
    txt = renderRulesTxt(r.model);
  });

  test("the healthy client is held back with its numbers, never among the triggers", () => {
    const healthy = r.sources.find((s) => s.src === HEALTHY)!;
    assert.equal(healthy.decision, "block");
    assert.equal(healthy.healthyBlocked, true);
    assert.equal(rules.version, 4);
    assert.ok(!rules.triggers.some((t) => t.key_value === HEALTHY));
    assert.equal(r.model.rules.triggers.length, 16);
    assert.deepEqual(
      rules.held_back.map((h) => [h.key_value, h.dst_port, h.allowlist_entry]),
      [[HEALTHY, 80, HEALTHY]],
    );
    const h = rules.held_back[0]!;
    assert.equal(h.would_drop_packets, 9 * 90_000);
    assert.equal(h.probably_legit_pct, 100);
    assert.match(String(h.reason), /^probably legitimate: 100\.0% of its would-drop packets/);
    assert.equal(h.first_hot_unix, BASE + 5 * 60);
    assert.equal(h.last_hot, new Date((BASE + 14 * 60) * 1000).toISOString().replace(".000Z", "Z"));
  });

  test("each trigger carries its hot times and counts", () => {
    const t = rules.triggers.find((x) => x.key_value === "198.18.7.0")!;
    assert.equal(t.first_hot_unix, BASE + 5 * 60);
    assert.equal(t.last_hot_unix, BASE + 14 * 60);
    assert.equal(t.hot_intervals, 10);
    assert.equal(t.episodes, 1);
    // Fires at the end of the first hot interval: the nine after it are dropped.
    assert.equal(t.would_drop_syn, 9 * 12_000);
    assert.equal(t.would_drop_packets, 9 * 12_000);
    assert.equal(t.total_packets, 10 * 12_000);
  });

  test("rules.txt and rules.nft hold the same entries, merged only where nothing else is inside", () => {
    const lines = txtEntries(txt);
    assert.deepEqual(
      lines.map((l) => `${l.cidr} ${l.port} ${l.note}`),
      [
        "198.18.0.21/32 80 ",
        "198.18.0.22/31 80 covers 2 keys",
        "198.18.7.0/30 80 covers 4 keys",
        "198.18.8.0/31 80 covers 2 keys",
        "198.18.8.2/32 80 ",
        "198.18.9.0/31 80 covers 2 keys",
        "2001:2::/62 443 covers 3 keys",
        "2001:2:0:10::/64 443 ",
      ],
    );
    const els = nftElements(nft);
    assert.deepEqual(
      [...els.keys()],
      Object.values(NFT_SETS).map((s) => s.name),
    );
    const fromNft = [...els.values()].flat().map((e) => `${e.cidr} ${e.port}`);
    assert.deepEqual(
      fromNft,
      lines.map((l) => `${l.cidr} ${l.port}`),
    );
    assert.equal(els.get("v4")![1]!.comment, "covers 2 keys");
    assert.equal(els.get("v4")![0]!.comment, "1 key");
    assert.equal(rules.exports.merged_entries, 5);
    assert.equal(r.model.rules.exports.keys, 16);
    assert.match(nft, /timeout 300s comment/);
  });

  test("no entry covers the healthy client or any source with traffic that is not enforceable", () => {
    const enforceable = new Set(r.model.rules.triggers.map((t) => `${t.src}|${t.dstPort}`));
    const others = r.evidence.filter((e) => !enforceable.has(`${e.src}|${e.dstPort}`));
    assert.ok(others.some((e) => e.src === HEALTHY) && others.some((e) => e.src === UNBLOCKED));
    for (const l of txtEntries(txt))
      for (const o of others)
        assert.ok(
          !(covers(l.cidr, o.src) && (l.port === o.dstPort || l.port === 0 || o.dstPort === 0)),
          `${l.cidr} ${l.port} covers ${o.display}`,
        );
    assert.ok(
      !nft.includes(HEALTHY) && !txt.split("\n").some((l) => !l.startsWith("#") && l.includes(HEALTHY)),
    );
  });
});

describe("keys recorded without a port", () => {
  test("go to the any-port sets, and are withheld when the address has other traffic", async () => {
    const d = join(root, "anyport");
    writeParquetRun(d, {
      baseTs: BASE,
      intervalSec: 60,
      snapshots: steady(BASE, 60, 12, (i) => [
        ...quietBackground(),
        // 198.18.3.3 has quiet traffic on port 22 as well: blocking it on any port would hit that.
        quiet("198.18.3.3", 22),
        ...(i >= 3 && i <= 8
          ? [
              flood("198.18.3.1", 0),
              flood("198.18.3.3", 0),
              flood("2001:2:0:5::/64", 0),
              flood("198.18.3.1", 80),
            ]
          : []),
      ]),
    });
    const r = await reportOn(d);
    assert.ok(r.sources.some((s) => s.src === "198.18.3.3" && s.dstPort === 0 && s.decision === "block"));
    const els = nftElements(renderRulesNft(r.model));
    assert.deepEqual(els.get("v4_anyport"), [{ cidr: "198.18.3.1/32", port: 0, comment: "1 key" }]);
    assert.deepEqual(els.get("v6_anyport"), [{ cidr: "2001:2:0:5::/64", port: 0, comment: "1 key" }]);
    assert.deepEqual(els.get("v4"), [{ cidr: "198.18.3.1/32", port: 80, comment: "1 key" }]);
    assert.deepEqual(
      txtEntries(renderRulesTxt(r.model)).map((l) => `${l.cidr} ${l.port === 0 ? "any" : l.port}`),
      ["198.18.3.1/32 any", "198.18.3.1/32 80", "2001:2:0:5::/64 any"],
    );
    const withheld = JSON.parse(r.model.rules.json).exports.withheld;
    assert.deepEqual(
      withheld.map((w: { key_value: string; dst_port: number | null }) => [w.key_value, w.dst_port]),
      [["198.18.3.3", null]],
    );
    // Still a trigger of rules.json: the report's own enforcement model blocks it on its key alone.
    assert.ok(r.model.rules.triggers.some((t) => t.src === "198.18.3.3" && t.dstPort === 0));
    assert.match(renderRulesTxt(r.model), /1 key withheld/);
  });
});

describe("merging", () => {
  test("needs more than half of the prefix filled and never goes wider than a /24", async () => {
    const d = join(root, "sparse");
    // Two /24s, each 200 of 256 addresses: merged per /24, never into the /23.
    const dense = [30, 31].flatMap((n) => Array.from({ length: 200 }, (_, j) => `198.18.${n}.${j}`));
    const v4 = ["198.18.20.1", "198.18.20.77", "198.18.20.200", "198.18.21.0", "198.18.21.1", ...dense];
    writeParquetRun(d, {
      baseTs: BASE,
      intervalSec: 60,
      snapshots: steady(BASE, 60, 10, (i) => [
        ...quietBackground(),
        ...(i >= 2 ? v4.map((s) => flood(s)) : []),
      ]),
    });
    const r = await reportOn(d);
    const fam = (f: Family) => r.model.rules.exports.entries.filter((e) => e.family === f).map((e) => e.cidr);
    assert.deepEqual(fam(4), [
      "198.18.20.1/32",
      "198.18.20.77/32",
      "198.18.20.200/32",
      "198.18.21.0/31",
      "198.18.30.0/24",
      "198.18.31.0/24",
    ]);
    assert.deepEqual(
      r.model.rules.exports.entries.slice(-2).map((e) => e.keys),
      [200, 200],
    );
  });
});
