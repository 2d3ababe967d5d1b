// rules.nft is valid for nftables as the operator will load it: `nft -c -f` (which sends the batch to the
// kernel and aborts it) inside a throwaway network namespace, then a real load there, which must create the
// four sets with their elements and timeouts and nothing else (no chain, no rule). Needs root and nft.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { renderRulesNft } from "@ibsr/report";
import {
  synFlood as flood,
  healthyHeavyClient,
  quietBackground,
  quietClient,
  reportOn,
  steady,
  writeParquetRun,
} from "@ibsr/report/testing";
import { requireRootCommand } from "../harness/live.js";

const BASE = 1_700_000_000;
const root = mkdtempSync(join(tmpdir(), "ibsr-nft-"));
after(() => rmSync(root, { recursive: true, force: true }));

function nft(ns: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync("ip", ["netns", "exec", ns, "nft", ...args], { encoding: "utf8", timeout: 30_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test("rules.nft passes nft -c and loads as four sets with timeouts, no chain and no rule", async (t) => {
  if (!requireRootCommand(t, "nft", "nftables")) return;
  const d = join(root, "in");
  writeParquetRun(d, {
    baseTs: BASE,
    intervalSec: 60,
    snapshots: steady(BASE, 60, 12, (i) => [
      ...quietBackground(),
      quietClient("198.18.1.3"),
      ...(i >= 3 && i <= 9
        ? [
            // Healthy heavy client: blocked by the thresholds, held back from every export.
            healthyHeavyClient("198.18.0.20"),
            ...["198.18.1.0", "198.18.1.1", "198.18.1.2"].map((s) => flood(s, 80)),
            ...["198.18.2.0", "198.18.2.1", "198.18.2.2", "198.18.2.3"].map((s) => flood(s, 443)),
            ...["2001:2:0:1::/64", "2001:2:0:2::/64", "2001:2:0:3::/64", "2001:2:0:9::/64"].map((s) =>
              flood(s, 443),
            ),
            flood("198.18.4.4", 0),
            flood("2001:2:0:44::/64", 0),
          ]
        : []),
    ]),
  });
  const r = await reportOn(d, { cfg: { block_duration_sec: 600 } });
  const text = renderRulesNft(r.model);
  assert.ok(!text.includes("198.18.0.20"), "the healthy client is in no set");
  assert.ok(r.model.rules.exports.merged >= 3, "the data has merged prefixes");
  const file = join(root, "rules.nft");
  writeFileSync(file, text);
  // The example chain of the header, uncommented, must be valid against these sets too.
  const example = text
    .split("\n")
    .slice(text.split("\n").findIndex((l) => /reference them from a chain/.test(l)) + 1)
    .filter((l) => l.startsWith("#   "))
    .map((l) => l.slice(4))
    .join("\n");
  const withExample = join(root, "with-example.nft");
  writeFileSync(withExample, `${text}\n${example}\n`);

  const ns = `ibsr-nft-${process.pid}`;
  execFileSync("ip", ["netns", "add", ns]);
  try {
    const check = nft(ns, ["-c", "-f", file]);
    assert.equal(check.status, 0, check.out);
    const checkExample = nft(ns, ["-c", "-f", withExample]);
    assert.equal(checkExample.status, 0, checkExample.out);
    // -c changed nothing; a real load (in the throwaway namespace) creates exactly the sets.
    assert.equal(nft(ns, ["list", "ruleset"]).out.trim(), "");
    const load = nft(ns, ["-f", file]);
    assert.equal(load.status, 0, load.out);
    const json = JSON.parse(nft(ns, ["-j", "list", "ruleset"]).out) as {
      nftables: Record<string, unknown>[];
    };
    const kinds = json.nftables.map((o) => Object.keys(o)[0]).filter((k) => k !== "metainfo");
    assert.deepEqual(kinds.sort(), ["set", "set", "set", "set", "table"]);
    const sets = new Map(
      json.nftables
        .filter((o) => "set" in o)
        .map((o) => {
          const s = o.set as { name: string; flags: string[]; elem?: unknown[] };
          return [s.name, s];
        }),
    );
    const counts = Object.fromEntries([...sets].map(([n, s]) => [n, s.elem?.length ?? 0]));
    const byFamily = (f: 4 | 6, any: boolean) =>
      r.model.rules.exports.entries.filter((e) => e.family === f && (e.dstPort === 0) === any).length;
    assert.deepEqual(counts, {
      v4: byFamily(4, false),
      v6: byFamily(6, false),
      v4_anyport: 1,
      v6_anyport: 1,
    });
    assert.deepEqual(sets.get("v6")!.flags.sort(), ["interval", "timeout"]);
    // Every element carries the block duration as its timeout.
    const listed = nft(ns, ["list", "set", "inet", "ibsr", "v4"]).out;
    assert.match(listed, /198\.18\.2\.0\/30 \. 443 timeout 10m/);
    assert.match(nft(ns, ["list", "set", "inet", "ibsr", "v6"]).out, /2001:2::\/62 \. 443 timeout 10m/);
  } finally {
    spawnSync("ip", ["netns", "del", ns]);
  }
});
