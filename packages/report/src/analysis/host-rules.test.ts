import assert from "node:assert/strict";
import { test } from "node:test";
import { fleetOutcome } from "./fleet.js";
import { hostFileStems } from "./host-rules.js";

test("host file stems: plain names kept, anything else made safe and unique (case-insensitively)", () => {
  const hosts = ["edge-1", "Edge-1", "", ".hidden", "a/b", "a_b", "../..", "x".repeat(80)];
  const stems = hostFileStems(hosts);
  assert.equal(stems.get("a_b"), "a_b");
  for (const h of hosts)
    assert.match(stems.get(h)!, /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/, JSON.stringify(h));
  const lower = [...stems.values()].map((s) => s.toLowerCase());
  assert.equal(new Set(lower).size, hosts.length);
  assert.notEqual(stems.get("a/b"), "a_b");
  // Deterministic: the same names give the same stems, whatever their order.
  assert.deepEqual(hostFileStems([...hosts].reverse()), stems);
});

test("fleet outcome: READY only when every host with something to enforce is", () => {
  assert.equal(fleetOutcome(["READY", "NOTHING_TO_ENFORCE"]), "READY");
  assert.equal(fleetOutcome(["READY", "NOT_READY"]), "NOT_READY");
  assert.equal(fleetOutcome(["NOTHING_TO_ENFORCE", "NOTHING_TO_ENFORCE"]), "NOTHING_TO_ENFORCE");
  assert.equal(fleetOutcome(["NOTHING_TO_ENFORCE", "NOT_READY"]), "NOT_READY");
});
