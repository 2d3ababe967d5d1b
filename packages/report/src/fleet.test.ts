// Fleet scenarios (docs/report.md, "Fleet reports"): real Parquet of several hosts through the engine and the
// writer. Each host enforces its own rules: per-host verdicts and rules, a fleet verdict naming the hosts that
// are not ready, keys hot on several hosts, max_rules per host, and hostile host names kept harmless.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { EMPTY_ALLOWLIST } from "./allowlist.js";
import { DEFAULT_CONFIG } from "./config.js";
import type { ReportResult } from "./engine.js";
import type { ReportConfig } from "./model.js";
import { renderHtml } from "./render/html.js";
import { renderMarkdown } from "./render/markdown.js";
import { generateReport } from "./report.js";
import { rewriteParquet } from "./testing/mutate-parquet.js";
import { DEFAULT_RUN_OPTIONS, reportOn } from "./testing/run-report.js";
import { steady, type Traffic, writeParquetRun } from "./testing/snapshots.js";
import { healthyHeavyClient, quietBackground, quietClient, synFlood } from "./testing/traffic.js";

const BASE = 1_700_000_000;
const root = mkdtempSync(join(tmpdir(), "ibsr-fleet-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = (name: string) => join(root, `${n++}-${name}`);

/** One host's hour-long run: the background plus `extra(i)` in interval i; the k-th snapshot written if `kept(k)`. */
function host(
  d: string,
  name: string,
  extra: (i: number) => Traffic[],
  port = 80,
  kept: (k: number) => boolean = () => true,
): void {
  writeParquetRun(d, {
    host: name,
    baseTs: BASE,
    intervalSec: 60,
    snapshots: steady(BASE, 60, 20, (i) => [...quietBackground(port), ...extra(i)]).filter((_, k) => kept(k)),
  });
}

const during = (i: number, t: Traffic[]) => (i >= 5 && i <= 14 ? t : []);

/** The report written to a directory (every format), and its files read back. */
async function written(input: string, cfg: Partial<ReportConfig> = {}) {
  const out = join(root, `${n++}-out`);
  const g = await generateReport({
    ...DEFAULT_RUN_OPTIONS,
    inputs: [input],
    cfg: { ...DEFAULT_CONFIG, ...cfg },
    allowlist: EMPTY_ALLOWLIST,
    outDir: out,
    formats: ["html", "md", "json", "csv"],
  });
  const read = (f: string) => readFileSync(join(out, f), "utf8");
  return { g, out, read, files: readdirSync(out).sort() };
}

describe("two hosts with different attackers", () => {
  // edge-a: one SYN flood only (READY). edge-b: another SYN flood and a healthy heavy client (NOT READY).
  const d = dir("two-hosts");
  let w: Awaited<ReturnType<typeof written>>;
  let r: ReportResult;
  before(async () => {
    host(d, "edge-a", (i) => during(i, [synFlood("198.18.0.5")]));
    host(d, "edge-b", (i) => during(i, [synFlood("198.18.0.6"), healthyHeavyClient("198.18.0.20")]));
    w = await written(d);
    r = w.g.result;
  });

  test("each host gets its own verdict from its own traffic", () => {
    const f = r.model.fleet!;
    assert.deepEqual(
      f.hosts.map((h) => [h.host, h.outcome]),
      [
        ["edge-a", "READY"],
        ["edge-b", "NOT_READY"],
      ],
    );
    const b = f.hosts[1]!;
    assert.ok(b.reasons.some((x) => x.code === "HEALTHY_BLOCKED"));
    assert.match(b.why, /probably-legitimate keys would be blocked/);
    const a = f.hosts[0]!;
    // edge-a's would-drop is its own attacker's: fires at the end of interval 5, drops 6..14 (9 x 12 000).
    assert.equal(a.wouldDrop.packets, 9n * 12_000n);
    assert.equal(a.fp.valuePct, 0);
    assert.equal(a.keysBlocked, 1);
    assert.equal(a.coverage.snapshots, 20);
    assert.equal(a.coverage.observedSec, 20 * 60);
    // The fleet's totals are the hosts' sums, exactly.
    assert.equal(a.total.packets + b.total.packets, r.model.impact.total.packets);
    assert.equal(a.wouldDrop.packets + b.wouldDrop.packets, r.model.impact.wouldDrop.packets);
  });

  test("the fleet verdict is NOT READY and names the host that is not ready, not the ready one", () => {
    const v = r.model.verdict;
    assert.equal(v.outcome, "NOT_READY");
    assert.deepEqual(r.model.fleet!.notReady, ["edge-b"]);
    assert.match(v.headline, /NOT READY on 1 of 2 hosts: edge-b \(/);
    assert.doesNotMatch(v.headline, /edge-a/);
    const healthy = v.reasons.find((x) => x.code === "HEALTHY_BLOCKED")!;
    assert.match(healthy.text, /^On 1 host \(edge-b\)\..*198\.18\.0\.20:80/);
    const summary = JSON.parse(w.read("summary.json"));
    assert.deepEqual(summary.fleet.not_ready, ["edge-b"]);
    assert.deepEqual(
      summary.fleet.hosts.map((h: { host: string; verdict: string }) => [h.host, h.verdict]),
      [
        ["edge-a", "READY"],
        ["edge-b", "NOT_READY"],
      ],
    );
  });

  test("rules are per host: one host's attacker is not in the other's rules", () => {
    const byHost = new Map(r.model.rules.byHost!.map((h) => [h.host, h]));
    const srcs = (h: string) => byHost.get(h)!.rules.triggers.map((t) => t.display);
    assert.deepEqual(srcs("edge-a"), ["198.18.0.5:80"]);
    assert.deepEqual(srcs("edge-b"), ["198.18.0.6:80"]);
    assert.deepEqual(
      byHost.get("edge-b")!.rules.heldBack.map((h) => h.display),
      ["198.18.0.20:80"],
    );
    // The files: each host's own, in the single-host shapes; the fleet's rules.json holds no trigger itself.
    assert.ok(w.files.includes("rules-host-edge-a.nft") && w.files.includes("rules-host-edge-b.txt"));
    const a = JSON.parse(w.read("rules-host-edge-a.json"));
    assert.equal(a.host, "edge-a");
    assert.deepEqual(
      a.triggers.map((t: { key_value: string }) => t.key_value),
      ["198.18.0.5"],
    );
    assert.match(w.read("rules-host-edge-a.nft"), /198\.18\.0\.5\/32 \. 80/);
    assert.doesNotMatch(w.read("rules-host-edge-a.nft"), /198\.18\.0\.6/);
    assert.match(w.read("rules-host-edge-b.txt"), /^198\.18\.0\.6\/32 80$/m);
    assert.doesNotMatch(w.read("rules-host-edge-b.txt"), /198\.18\.0\.(5|20)\//);
    const fleet = JSON.parse(w.read("rules.json"));
    assert.deepEqual(fleet.triggers, []);
    assert.deepEqual(
      fleet.hosts.map((h: { host: string; rules_nft: string; triggers: number }) => [
        h.host,
        h.rules_nft,
        h.triggers,
      ]),
      [
        ["edge-a", "rules-host-edge-a.nft", 1],
        ["edge-b", "rules-host-edge-b.nft", 1],
      ],
    );
    assert.doesNotMatch(w.read("rules.txt").replace(/^#.*$/gm, ""), /198\.18/);
  });

  test("the HTML and the Markdown have the per-host table", () => {
    const html = w.read("report.html");
    const section = html.slice(html.indexOf('<section id="hosts"'), html.indexOf('<section id="scope"'));
    assert.match(section, /<td class="src">edge-a<\/td><td class="outcome-ready">READY<\/td>/);
    assert.match(section, /<td class="src">edge-b<\/td><td class="outcome-not-ready">NOT READY<\/td>/);
    assert.match(section, /rules-host-edge-b\.nft/);
    const md = w.read("report.md");
    assert.match(
      md,
      /^\| edge-b \| \*\*NOT READY\*\* \| false-positive bound too high; probably-legitimate keys would be blocked \|/m,
    );
    assert.match(md, /^\| edge-a \| READY \| — \| 1 \| 1 \| 108,000 /m);
  });
});

function assertOnlyBNotReady(hosts: readonly { host: string; outcome: string }[]): void {
  assert.deepEqual(
    hosts.map((h) => [h.host, h.outcome]),
    [
      ["edge-a", "READY"],
      ["edge-b", "NOT_READY"],
    ],
  );
}

describe("per-host input conditions", () => {
  // Fleet-wide both conditions pass; on edge-b alone they fail. Each host enforces its own rules, so each
  // needs its own sample of keys and its own input mostly read.
  test("a host with too few distinct keys for the FP bound is NOT READY (FP unknown), named", async () => {
    const d = dir("few-samples");
    host(d, "edge-a", (i) => during(i, [synFlood("198.18.0.5")]));
    writeParquetRun(d, {
      host: "edge-b",
      baseTs: BASE,
      intervalSec: 60,
      snapshots: steady(BASE, 60, 20, (i) => [
        quietClient("198.18.50.1"),
        quietClient("198.18.50.2"),
        ...during(i, [synFlood("198.18.0.6")]),
      ]),
    });
    const m = (await reportOn(d)).model;
    const f = m.fleet!;
    assertOnlyBNotReady(f.hosts);
    const b = f.hosts[1]!;
    assert.deepEqual(
      b.reasons.map((x) => x.code),
      ["FP_UNKNOWN"],
    );
    assert.match(b.reasons[0]!.text, /3 distinct non-allowlisted keys observed, min_samples_for_fp is 10/);
    assert.equal(m.verdict.outcome, "NOT_READY");
    assert.match(m.verdict.reasons[0]!.text, /On 1 host \(edge-b\)/);
  });

  test("a host with more than 1 % of its rows skipped is NOT READY (input skipped), named; the other is READY", async () => {
    const d = dir("skipped-rows");
    const many = Array.from({ length: 200 }, (_, j) => quietClient(`198.19.1.${j + 1}`));
    host(d, "edge-a", (i) => [...many, ...during(i, [synFlood("198.18.0.5")])]);
    const bFiles = writeParquetRun(join(d, "b"), {
      host: "edge-b",
      baseTs: BASE,
      intervalSec: 60,
      snapshots: steady(BASE, 60, 20, (i) => [...quietBackground(), ...during(i, [synFlood("198.18.0.6")])]),
    });
    // 4 invalid rows in one of edge-b's files: 4 of about 270 of its rows (1.5 %), of about 4 300 in the fleet (0.1 %).
    await rewriteParquet(
      bFiles[3]!,
      "SELECT * FROM t UNION ALL (SELECT * REPLACE (-5::BIGINT AS packets_delta) FROM t LIMIT 4)",
    );
    const m = (await reportOn(d)).model;
    const f = m.fleet!;
    assertOnlyBNotReady(f.hosts);
    assert.deepEqual(
      f.hosts[1]!.reasons.map((x) => x.code),
      ["INPUT_SKIPPED"],
    );
    assert.match(f.hosts[1]!.reasons[0]!.text, /4 of \d+ rows \(1\.\d+ ?%\)/);
    assert.match(m.verdict.reasons[0]!.text, /On 1 host \(edge-b\)/);
  });
});

describe("per-host coverage and FP bound", () => {
  test("a host's missing snapshots are in its own row, not the other host's; each FP bound is its own", async () => {
    const d = dir("coverage");
    host(d, "edge-a", (i) => during(i, [synFlood("198.18.0.5")]));
    // edge-b: the same kind of traffic plus a healthy heavy client, and its snapshots 8 to 10 never written.
    host(
      d,
      "edge-b",
      (i) => during(i, [synFlood("198.18.0.6"), healthyHeavyClient("198.18.0.20")]),
      80,
      (k) => k < 7 || k > 9,
    );
    const w = await written(d);
    const hosts = JSON.parse(w.read("summary.json")).fleet.hosts as {
      host: string;
      fp_bound: { computed: boolean; value_pct: number | null };
      healthy_blocked_keys: number;
      coverage: { snapshots: number; gaps: number };
    }[];
    assert.deepEqual(
      hosts.map((h) => [h.host, h.coverage.snapshots, h.coverage.gaps]),
      [
        ["edge-a", 20, 0],
        ["edge-b", 17, 1],
      ],
    );
    const [a, b] = hosts;
    assert.ok(a!.fp_bound.computed && b!.fp_bound.computed);
    // Only edge-b blocks a probably-legitimate key: its bound is above edge-a's.
    assert.deepEqual([a!.healthy_blocked_keys, b!.healthy_blocked_keys], [0, 1]);
    assert.ok(b!.fp_bound.value_pct! > a!.fp_bound.value_pct!, JSON.stringify(hosts.map((h) => h.fp_bound)));
    // The Markdown's host table: snapshots and gaps per host.
    const row = (h: string) =>
      w
        .read("report.md")
        .split("\n")
        .find((l) => l.startsWith(`| ${h} |`))!;
    assert.match(row("edge-a"), /\| 20 \| 0 \|/);
    assert.match(row("edge-b"), /\| 17 \| 1 \|/);
  });
});

describe("one source hot on three hosts", () => {
  test("is reported with the host count and the host names", async () => {
    const d = dir("three-hosts");
    for (const h of ["h1", "h2", "h3"])
      host(
        d,
        h,
        (i) => during(i, [synFlood("198.18.0.9", 443), ...(h === "h1" ? [synFlood("198.18.0.3", 443)] : [])]),
        443,
      );
    const w = await written(d);
    const shared = w.g.result.model.fleet!.sharedHotKeys;
    assert.equal(shared.total, 1);
    assert.deepEqual(
      shared.rows.map((k) => [k.display, k.hosts, k.hostNames, k.rulesOn]),
      [["198.18.0.9:443", 3, ["h1", "h2", "h3"], 3]],
    );
    assert.match(w.read("report.md"), /198\.18\.0\.9:443 hot on 3 hosts: h1, h2, h3/);
    assert.match(
      w.read("report.html"),
      /<span class="src">198\.18\.0\.9:443<\/span> hot on 3 hosts: h1, h2, h3/,
    );
    const s = JSON.parse(w.read("summary.json")).fleet.shared_hot_keys;
    assert.deepEqual(s, [
      { src: "198.18.0.9", dst_port: 443, hosts: 3, host_names: ["h1", "h2", "h3"], rules_on: 3 },
    ]);
    // Every host is ready: the fleet is.
    assert.equal(w.g.result.model.verdict.outcome, "READY");
  });
});

describe("a quiet host beside a ready one", () => {
  test("has nothing to enforce, is not named as not ready, and the fleet is READY", async () => {
    const d = dir("quiet-host");
    host(d, "edge-a", (i) => during(i, [synFlood("198.18.0.5")]));
    host(d, "edge-q", () => []);
    const w = await written(d);
    const m = w.g.result.model;
    assert.deepEqual(
      m.fleet!.hosts.map((h) => [h.host, h.outcome, h.rules]),
      [
        ["edge-a", "READY", 1],
        ["edge-q", "NOTHING_TO_ENFORCE", 0],
      ],
    );
    assert.deepEqual(m.fleet!.notReady, []);
    assert.equal(m.verdict.outcome, "READY");
    assert.equal(JSON.parse(w.read("summary.json")).verdict.outcome, "READY");
  });
});

describe("one source hot on more hosts than are named", () => {
  test("gives the full count, the first names in order and how many more", async () => {
    const d = dir("seven-hosts");
    const names = ["h1", "h2", "h3", "h4", "h5", "h6", "h7"];
    // h7 has the source below the hot threshold: hot on six hosts, not seven.
    for (const h of names)
      host(d, h, (i) => during(i, h === "h7" ? [quietClient("198.18.0.9")] : [synFlood("198.18.0.9")]));
    const w = await written(d);
    const shared = w.g.result.model.fleet!.sharedHotKeys;
    assert.deepEqual(
      shared.rows.map((k) => [k.display, k.hosts, k.hostNames]),
      [["198.18.0.9:80", 6, ["h1", "h2", "h3", "h4", "h5"]]],
    );
    assert.match(w.read("report.md"), /198\.18\.0\.9:80 hot on 6 hosts: h1, h2, h3, h4, h5 and 1 more/);
    assert.match(w.read("report.html"), /hot on 6 hosts: h1, h2, h3, h4, h5 and 1 more/);
  });
});

describe("max_rules is per host", () => {
  test("two hosts each below max_rules, together above: no TOO_MANY_RULES", async () => {
    const d = dir("max-rules");
    host(d, "m1", (i) =>
      during(
        i,
        [1, 2, 3].map((k) => synFlood(`198.18.1.${k}`)),
      ),
    );
    host(d, "m2", (i) =>
      during(
        i,
        [1, 2, 3].map((k) => synFlood(`198.18.2.${k}`)),
      ),
    );
    const r = await reportOn(d, { cfg: { max_rules: 4 } });
    assert.deepEqual(
      r.model.fleet!.hosts.map((h) => [h.host, h.peakConcurrentBlocks, h.outcome]),
      [
        ["m1", 3, "READY"],
        ["m2", 3, "READY"],
      ],
    );
    assert.equal(r.model.verdict.outcome, "READY");
    assert.ok(!r.model.verdict.reasons.some((x) => x.code === "TOO_MANY_RULES"));
    const check = r.model.verdict.checks.find((c) => c.code === "MAX_RULES")!;
    assert.deepEqual([check.passed, check.value, check.limit], [true, 3, 4]);
    // One host above its own limit fails, and only that host.
    const r2 = await reportOn(d, { cfg: { max_rules: 2 } });
    assert.deepEqual(r2.model.fleet!.notReady, ["m1", "m2"]);
    assert.match(
      r2.model.verdict.reasons.find((x) => x.code === "TOO_MANY_RULES")!.text,
      /^On 2 hosts \(m1, m2\)/,
    );
  });
});

describe("hostile host names", () => {
  test("are escaped in HTML and Markdown and never reach a file name", async () => {
    const evil = ['a"b/../<script>alert(1)</script>', "..", "A|b`c\nd"];
    const d = dir("hostile");
    host(d, evil[0]!, (i) => during(i, [synFlood("198.18.0.5")]));
    host(d, evil[1]!, (i) => during(i, [synFlood("198.18.0.6")]));
    host(d, evil[2]!, (i) => during(i, [synFlood("198.18.0.7")]));
    const w = await written(d);
    const m = w.g.result.model;
    assert.deepEqual(
      m.fleet!.hosts.map((h) => h.host),
      [...evil].sort(),
    );
    // Every file is a plain name in the output directory, safe characters only, one per host and kind.
    const hostFiles = w.files.filter((f) => f.startsWith("rules-host-"));
    assert.equal(hostFiles.length, 9);
    for (const f of hostFiles) assert.match(f, /^rules-host-[A-Za-z0-9_-][A-Za-z0-9._-]*\.(json|nft|txt)$/);
    const html = w.read("report.html");
    assert.ok(!html.includes("<script>alert(1)"));
    assert.ok(html.includes("a&quot;b/../&lt;script&gt;alert(1)&lt;/script&gt;"));
    const md = renderMarkdown(m);
    // Outside code (rules.json is embedded in a fence and scope names hosts in code spans: shown literally).
    const prose = md.replace(/^(`{3,})[a-z]*\n[\s\S]*?^\1$/gm, "").replace(/(`+).*?\1/g, "");
    assert.ok(!prose.includes("<script>"));
    assert.ok(md.includes('a"b/../&lt;script>alert(1)&lt;/script>'));
    // A host name's newline and pipe cannot break the host table's row.
    const row = md.split("\n").find((l) => l.startsWith("| A"))!;
    assert.equal(row.split(/(?<!\\)\|/).length - 2, 11, row);
    // In each nft file the host is one JSON-quoted comment line; `nft -c` (when present) accepts the file.
    const nftName = m.rules.byHost!.find((h) => h.host === evil[2])!.files.nft;
    const nft = w.read(nftName);
    assert.ok(nft.includes('# Host: "A|b`c\\nd" (these rules are for this host only).'));
    for (const line of nft.split("\n")) assert.ok(!/^d"/.test(line));
    assert.equal(renderHtml(m), html);
  });
});
