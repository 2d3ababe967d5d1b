import assert from "node:assert/strict";
import { test } from "node:test";
import { encodePortBitmap, PORT_BITMAP_BYTES } from "@ibsr/schema";

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
