import assert from "node:assert/strict";
import { test } from "node:test";
import { encodePortBitmap, PORT_BITMAP_BYTES } from "@ibsr/contract";
import { ipv6Mask } from "./spec.js";

test("the port bitmap sets bit (port & 7) of byte (port >> 3), as the XDP program reads it", () => {
  const bits = encodePortBitmap([1, 22, 443, 65535]);
  assert.equal(bits.length, PORT_BITMAP_BYTES);
  const set: number[] = [];
  for (let p = 0; p < 65536; p++) if (bits[p >> 3]! & (1 << (p & 7))) set.push(p);
  assert.deepEqual(set, [1, 22, 443, 65535]);
  assert.equal(bits[443 >> 3], 1 << (443 & 7));
});

test("the one port-bitmap encoder refuses a port outside 0..65535 instead of setting a wrong bit", () => {
  for (const bad of [-1, 65536, 1.5, Number.NaN]) assert.throws(() => encodePortBitmap([bad]), RangeError);
});

test("the IPv6 mask has prefixLen leading one bits and refuses a length outside 0..128", () => {
  assert.deepEqual([...ipv6Mask(64)], [...Array(8).fill(0xff), ...Array(8).fill(0)]);
  assert.deepEqual([...ipv6Mask(0)], Array(16).fill(0));
  assert.deepEqual([...ipv6Mask(128)], Array(16).fill(0xff));
  assert.equal(ipv6Mask(57)[7], 0x80);
  for (const bad of [-1, 129, 64.5]) assert.throws(() => ipv6Mask(bad), RangeError);
});
