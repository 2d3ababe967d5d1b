import assert from "node:assert/strict";
import { test } from "node:test";
import { BtfBuilder, mapBtf } from "../testing/bpf-objects.js";
import { BtfError, btfMapDefs, parseBtf } from "./btf.js";

const mapBlob = (type: number, maxEntries: number, extraField?: string) =>
  mapBtf([{ name: "ibsr_flows", type, maxEntries, valueSize: 72, ...(extraField ? { extraField } : {}) }]);

test("reads a BTF-defined map: type and max_entries from array lengths, key/value sizes through typedefs", () => {
  assert.deepEqual(btfMapDefs(parseBtf(mapBlob(9, 100000))), [
    {
      name: "ibsr_flows",
      offset: 0,
      type: 9,
      maxEntries: 100000,
      keySize: 4,
      valueSize: 72,
      otherFields: [],
    },
  ]);
});

test("map_flags is read; several maps in one DATASEC", () => {
  const defs = btfMapDefs(
    parseBtf(
      mapBtf([
        { name: "ibsr_a", type: 9, maxEntries: 10, flags: 2 },
        { name: "ibsr_b", type: 2, maxEntries: 1, keySize: 4, valueSize: 8192 },
      ]),
    ),
  );
  assert.deepEqual(
    defs.map((d) => [d.name, d.type, d.maxEntries, d.mapFlags, d.keySize, d.valueSize]),
    [
      ["ibsr_a", 9, 10, 2, 4, 8],
      ["ibsr_b", 2, 1, undefined, 4, 8192],
    ],
  );
});

test("fields other than type/key/value/max_entries/map_flags are listed", () => {
  assert.deepEqual(btfMapDefs(parseBtf(mapBlob(2, 1, "pinning")))[0]?.otherFields, ["pinning"]);
});

test("an object without .maps has no map definitions", () => {
  const b = new BtfBuilder();
  b.int("int", 4);
  assert.deepEqual(btfMapDefs(parseBtf(b.build())), []);
});

test("refuses corrupt BTF with the reason", () => {
  const good = mapBlob(9, 1);
  const badMagic = new Uint8Array(good);
  badMagic[0] = 0;
  assert.throws(
    () => parseBtf(badMagic),
    (e: unknown) => e instanceof BtfError && /magic 0xeb00/.test(e.message),
  );
  const unknownKind = new BtfBuilder();
  unknownKind.raw(30);
  assert.throws(() => parseBtf(unknownKind.build()), /unknown kind 30/);
  const truncated = new Uint8Array(good.subarray(0, 30));
  new DataView(truncated.buffer).setUint32(12, 6, true);
  new DataView(truncated.buffer).setUint32(16, 6, true);
  new DataView(truncated.buffer).setUint32(20, 0, true);
  assert.throws(() => parseBtf(truncated), /truncated/);
  assert.throws(() => parseBtf(good.subarray(0, 10)), /shorter than its header/);
});
