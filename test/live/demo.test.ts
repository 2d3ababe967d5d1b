// The README's first command, as a test: the live demo end to end (namespaces, collector, traffic, report),
// shortened, then its synthetic fallback. Both must reach a verdict that follows from the traffic mix.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runDemo } from "../../scripts/demo.js";
import { requireLive } from "../harness/live.js";

interface Source {
  src: string;
  decision: string;
  abuse_class: string | null;
}

function namespaces(): string[] {
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.split(" ")[0] ?? "")
    .filter((n) => n.startsWith(`ibsr-${process.pid}-`));
}

test("live demo: the flood, the /64 attacker and the healthy heavy client are told apart", async (t) => {
  if (!requireLive(t)) return;
  const out = mkdtempSync(join(tmpdir(), "ibsr-demo-test-"));
  try {
    const r = await runDemo({
      durationSec: 30,
      intervalSec: 3,
      reportDir: join(out, "report"),
      log: () => {},
    });
    assert.equal(r.mode, "live");
    assert.ok(existsSync(r.reportHtml), "report.html written");
    const sources = (r.summary.sources ?? []) as Source[];
    const byName = new Map(sources.map((s) => [s.src, s]));
    assert.equal(byName.get("198.18.0.66")?.decision, "block", "the SYN flooder is blocked");
    assert.equal(byName.get("198.18.0.66")?.abuse_class, "SYN_FLOOD_LIKE");
    assert.equal(
      byName.get("2001:2:0:66::/64")?.decision,
      "block",
      "the IPv6 attacker is one /64 key, blocked",
    );
    for (const legit of ["198.18.0.10", "198.18.0.11", "198.18.0.12", "198.18.0.13"]) {
      assert.notEqual(byName.get(legit)?.decision, "block", `${legit} is a legitimate client`);
    }
    // The heavy but healthy client trips the volumetric rule: a false positive, so not ready.
    assert.equal(r.verdict, "NOT_READY");
    assert.deepEqual(namespaces(), [], "the demo removed its namespaces");
    assert.match(readFileSync(r.reportHtml, "utf8"), /Content-Security-Policy/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("synthetic demo: labelled, and the same story as the live one", async () => {
  const out = mkdtempSync(join(tmpdir(), "ibsr-demo-test-"));
  try {
    const r = await runDemo({
      durationSec: 0,
      intervalSec: 60,
      reportDir: join(out, "report"),
      synthetic: true,
      log: () => {},
    });
    assert.equal(r.mode, "synthetic");
    assert.match(readFileSync(r.reportHtml, "utf8"), /SYNTHETIC DATA/);
    const sources = (r.summary.sources ?? []) as Source[];
    const blocked = new Set(sources.filter((s) => s.decision === "block").map((s) => s.src));
    assert.ok(blocked.has("198.18.0.66"));
    assert.ok(blocked.has("2001:2:0:66::/64"));
    assert.ok(blocked.has("198.18.0.77"), "the heavy healthy client is blocked by the volumetric rule");
    assert.equal(r.verdict, "NOT_READY");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
