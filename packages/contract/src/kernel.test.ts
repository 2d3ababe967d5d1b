import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  encodePortBitmap,
  flowKeySize,
  GLOBAL_SIZE,
  KEY_OFFSETS,
  KEY_SIZE,
  KEY_SIZE_SHORT,
  LAYOUT_FIELDS,
  LAYOUT_VERSION,
  MAP_FLOWS,
  MAP_GLOBAL,
  MAP_PORTS,
  PORT_BITMAP_BYTES,
  PROGRAM_NAME,
  perCpuSlotSize,
  RODATA,
  STRUCT_SIZES,
  VALUE_COUNTERS,
  VALUE_OFFSETS,
  VALUE_SIZE,
} from "./kernel.js";

describe("map layout constants", () => {
  test("mirror bpf/ibsr.h sizes and offsets", () => {
    assert.equal(KEY_SIZE, 24);
    assert.equal(VALUE_SIZE, 72);
    assert.equal(GLOBAL_SIZE, 48);
    assert.equal(KEY_SIZE_SHORT, 12);
    assert.deepEqual(KEY_OFFSETS, { family: 0, prefix_len: 1, dst_port: 2, addr: 4, pad: 20 });
    assert.equal(VALUE_OFFSETS.first_seen, 64);
    assert.deepEqual([MAP_FLOWS, MAP_PORTS, MAP_GLOBAL], ["ibsr_flows", "ibsr_ports", "ibsr_global"]);
  });

  test("LAYOUT_FIELDS tiles each struct exactly, with no hole or overlap", () => {
    for (const [struct, size] of Object.entries(STRUCT_SIZES)) {
      const fields = LAYOUT_FIELDS.filter((f) => f.struct === struct).sort((a, b) => a.offset - b.offset);
      let next = 0;
      for (const f of fields) {
        assert.equal(f.offset, next, `${struct}.${f.field} starts at ${f.offset}, expected ${next}`);
        next = f.offset + f.size;
      }
      assert.equal(next, size, `${struct} fields end at ${next}, size is ${size}`);
    }
    assert.deepEqual(
      LAYOUT_FIELDS.filter((f) => f.struct === "ibsr_value").map((f) => f.field),
      [...VALUE_COUNTERS, "first_seen"],
    );
  });

  // The header is the source of truth: every field and map name it declares must appear here.
  test("agree with the text of bpf/ibsr.h", () => {
    const header = readFileSync(fileURLToPath(new URL("../../../bpf/ibsr.h", import.meta.url)), "utf8");
    assert.match(header, new RegExp(`#define IBSR_LAYOUT_VERSION ${LAYOUT_VERSION}\\b`));
    for (const name of [MAP_FLOWS, MAP_PORTS, MAP_GLOBAL]) assert.ok(header.includes(`"${name}"`), name);
    assert.match(header, new RegExp(`#define IBSR_PORT_BITMAP_BYTES ${PORT_BITMAP_BYTES}\\b`));
    assert.match(header, new RegExp(`#define IBSR_KEY_SIZE ${KEY_SIZE}\\b`));
    assert.match(header, new RegExp(`#define IBSR_KEY_SIZE_SHORT ${KEY_SIZE_SHORT}\\b`));
    for (const struct of Object.keys(STRUCT_SIZES)) {
      const body = new RegExp(`struct ${struct} \\{([^}]*)\\}`).exec(header)?.[1];
      assert.ok(body, `struct ${struct} not found in ibsr.h`);
      const declared = [...body.matchAll(/__u(8|16|32|64)\s+(\w+)(\[(\d+)\])?;/g)].map((m) => ({
        field: m[2],
        size: (Number(m[1]) / 8) * Number(m[4] ?? 1),
      }));
      const ours = LAYOUT_FIELDS.filter((f) => f.struct === struct).map((f) => ({
        field: f.field,
        size: f.size,
      }));
      assert.deepEqual(ours, declared, struct);
    }
  });
});

describe("the program's names", () => {
  // The program and .rodata names are declared in the C source, not the header.
  test("appear in bpf/ibsr.bpf.c", () => {
    const source = readFileSync(fileURLToPath(new URL("../../../bpf/ibsr.bpf.c", import.meta.url)), "utf8");
    assert.match(source, new RegExp(`\\bint ${PROGRAM_NAME}\\(`));
    for (const name of Object.values(RODATA))
      assert.match(source, new RegExp(`const volatile [^;]*\\b${name}\\b`));
  });
});

describe("flowKeySize", () => {
  // The short key must hold every byte a key of that setup can have non-zero: the head and, for IPv6,
  // the address bytes the prefix keeps (IPv4 needs 4).
  test("is the short key up to /64, the whole struct above", () => {
    for (let len = 0; len <= 128; len++) {
      const size = flowKeySize(len);
      const usedAddrBytes = Math.max(4, Math.ceil(len / 8));
      assert.ok(KEY_OFFSETS.addr + usedAddrBytes <= size, `/${len}: key of ${size} B cuts the address`);
      assert.equal(size, len <= 64 ? KEY_SIZE_SHORT : KEY_SIZE);
    }
  });
});

describe("encodePortBitmap", () => {
  test("sets bit (port & 7) of byte (port >> 3), as the XDP program reads it", () => {
    const bits = encodePortBitmap([1, 22, 443, 65535]);
    assert.equal(bits.length, PORT_BITMAP_BYTES);
    const set: number[] = [];
    for (let p = 0; p < 65536; p++) if (bits[p >> 3]! & (1 << (p & 7))) set.push(p);
    assert.deepEqual(set, [1, 22, 443, 65535]);
    assert.equal(bits[443 >> 3], 1 << (443 & 7));
  });

  test("a port outside 0..65535 or not an integer is refused, not folded onto another port", () => {
    for (const p of [-1, 65536, 1.5, Number.NaN])
      assert.throws(() => encodePortBitmap([p]), { name: "RangeError", message: /is not 0\.\.65535/ });
  });
});

describe("perCpuSlotSize", () => {
  test("rounds a value up to 8 bytes", () => {
    assert.equal(perCpuSlotSize(GLOBAL_SIZE), 48);
    assert.equal(perCpuSlotSize(44), 48);
    assert.equal(perCpuSlotSize(1), 8);
  });
});
