import assert from "node:assert/strict";
import { test } from "node:test";
// The port bitmap is the contract's (encodePortBitmap); its tests live with it in packages/contract.
import { ipv6Mask } from "./spec.js";

test("the IPv6 mask has prefixLen leading one bits and refuses a length outside 0..128", () => {
  assert.deepEqual([...ipv6Mask(64)], [...Array(8).fill(0xff), ...Array(8).fill(0)]);
  assert.deepEqual([...ipv6Mask(0)], Array(16).fill(0));
  assert.deepEqual([...ipv6Mask(128)], Array(16).fill(0xff));
  assert.equal(ipv6Mask(57)[7], 0x80);
  for (const bad of [-1, 129, 64.5]) assert.throws(() => ipv6Mask(bad), RangeError);
});
