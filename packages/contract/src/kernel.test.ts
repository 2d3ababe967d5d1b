import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  encodePortBitmap,
  flowKeySizes,
  GLOBAL_SIZE,
  KEY_OFFSETS,
  KEY_SIZE,
  KEY_SIZE_SHORT,
  KEY_SIZE_V4,
  LAYOUT_FIELDS,
  LAYOUT_VERSION,
  MAP_FLOWS4,
  MAP_FLOWS6,
  MAP_NAMES,
  MIN_MAP_SIZE,
  mapSizes,
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
    assert.equal(KEY_SIZE_V4, 8);
    assert.deepEqual(MAP_NAMES, ["ibsr_flows4", "ibsr_flows6", "ibsr_ports", "ibsr_global"]);
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
    for (const name of MAP_NAMES) assert.ok(header.includes(`"${name}"`), name);
    assert.match(header, new RegExp(`#define IBSR_PORT_BITMAP_BYTES ${PORT_BITMAP_BYTES}\\b`));
    assert.match(header, new RegExp(`#define IBSR_KEY_SIZE ${KEY_SIZE}\\b`));
    assert.match(header, new RegExp(`#define IBSR_KEY_SIZE_SHORT ${KEY_SIZE_SHORT}\\b`));
    assert.match(header, new RegExp(`#define IBSR_KEY_SIZE_V4 ${KEY_SIZE_V4}\\b`));
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

describe("flowKeySizes", () => {
  // Each map's key must hold every byte a key of that family and setup can have non-zero: the head and
  // the address bytes the prefix keeps (IPv4: 4).
  test("8 bytes for IPv4; for IPv6 the short key up to /64, the whole struct above", () => {
    for (let len = 0; len <= 128; len++) {
      const size = flowKeySizes(len);
      assert.ok(KEY_OFFSETS.addr + 4 <= size[MAP_FLOWS4], "IPv4 key cuts the address");
      const usedAddrBytes = Math.ceil(len / 8);
      assert.ok(KEY_OFFSETS.addr + usedAddrBytes <= size[MAP_FLOWS6], `/${len}: key cuts the address`);
      assert.deepEqual(size, {
        [MAP_FLOWS4]: KEY_SIZE_V4,
        [MAP_FLOWS6]: len <= 64 ? KEY_SIZE_SHORT : KEY_SIZE,
      });
    }
  });
});

describe("mapSizes", () => {
  test("splits --map-size: a quarter to IPv6, the rest to IPv4, every entry accounted for", () => {
    assert.deepEqual(mapSizes(100_000), { [MAP_FLOWS4]: 75_000, [MAP_FLOWS6]: 25_000 });
    for (const total of [MIN_MAP_SIZE, 3, 7, 64, 1001, 2_000_000]) {
      const s = mapSizes(total);
      assert.equal(s[MAP_FLOWS4] + s[MAP_FLOWS6], total, `${total}`);
      assert.ok(s[MAP_FLOWS4] >= 1 && s[MAP_FLOWS6] >= 1, `${total}: each map gets an entry`);
    }
  });

  test("refuses a total either map would get nothing of", () => {
    for (const bad of [0, 1, 2.5, Number.NaN])
      assert.throws(() => mapSizes(bad), { name: "RangeError", message: /map size must be an integer >= 2/ });
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
