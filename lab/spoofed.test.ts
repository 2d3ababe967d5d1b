// The spoofed source generators: distinct, inside the test ranges, never the veth's own subnet.
import assert from "node:assert/strict";
import { test } from "node:test";
import { inTestRanges, spoofedV4, spoofedV6 } from "./netns.js";

test("spoofedV4 gives 130 816 distinct test-range sources outside 198.18.0.0/24", () => {
  const all = spoofedV4(130_816);
  assert.equal(new Set(all).size, all.length);
  assert.ok(all.every(inTestRanges));
  assert.ok(!all.some((a) => a.startsWith("198.18.0.")));
  assert.deepEqual(spoofedV4(2, 65_535), ["198.19.255.255", "198.18.1.0"]);
  assert.deepEqual(spoofedV4(1, 130_815), ["198.18.255.255"]);
  assert.throws(() => spoofedV4(2, 130_815), /at most 130816/);
});

test("spoofedV6 gives distinct /64s inside 2001:2::/48", () => {
  const all = spoofedV6(60_000);
  assert.equal(new Set(all).size, all.length);
  assert.ok(all.every(inTestRanges));
  assert.throws(() => spoofedV6(1, 60_000), /at most 60 000/);
});
