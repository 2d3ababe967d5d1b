// The layout contract: every size and offset in @ibsr/contract's kernel.ts equals the BTF of the
// compiled object (bpftool's JSON dump), field for field, with nothing extra on either side; the
// maps use those structs; and the layout version user space expects is the one in .rodata.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { KEY_SIZE, LAYOUT_FIELDS, LAYOUT_VERSION, STRUCT_SIZES, VALUE_SIZE } from "@ibsr/contract";
import {
  defaultObjectPath,
  IBSR_MAPS,
  IBSR_RODATA,
  readObject,
} from "../../packages/collector/src/bpf-object.js";
import { openObjectMem } from "../../packages/collector/src/libbpf/index.js";
import { requireLive } from "../harness/live.js";

interface BtfType {
  id: number;
  kind: string;
  name: string;
  size?: number;
  type_id?: number;
  nr_elems?: number;
  members?: Array<{ name: string; type_id: number; bits_offset: number }>;
}

function loadBtf(path: string): Map<number, BtfType> {
  const json = execFileSync("bpftool", ["-j", "btf", "dump", "file", path, "format", "raw"], {
    encoding: "utf8",
  });
  const types = (JSON.parse(json) as { types: BtfType[] }).types;
  return new Map(types.map((t) => [t.id, t]));
}

function sizeOf(btf: Map<number, BtfType>, id: number): number {
  const t = btf.get(id);
  if (!t) throw new Error(`BTF type ${id} missing`);
  switch (t.kind) {
    case "INT":
    case "STRUCT":
    case "UNION":
    case "ENUM":
      return t.size!;
    case "ARRAY":
      return t.nr_elems! * sizeOf(btf, t.type_id!);
    case "TYPEDEF":
    case "VOLATILE":
    case "CONST":
      return sizeOf(btf, t.type_id!);
    default:
      throw new Error(`BTF kind ${t.kind} has no size here`);
  }
}

function structByName(btf: Map<number, BtfType>, name: string): BtfType {
  const s = [...btf.values()].find((t) => t.kind === "STRUCT" && t.name === name);
  assert.ok(s, `struct ${name} not in the object's BTF`);
  return s;
}

test("map-layout.ts equals the compiled object's BTF", (t) => {
  const obj = defaultObjectPath();
  if (!existsSync(obj)) {
    if (process.env.CI) assert.fail(`${obj} missing: run pnpm build`);
    t.skip(`${obj} missing: run pnpm build`);
    return;
  }
  const btf = loadBtf(obj);
  for (const [struct, size] of Object.entries(STRUCT_SIZES)) {
    const s = structByName(btf, struct);
    assert.equal(s.size, size, `sizeof(struct ${struct})`);
    const fromBtf = s.members!.map((m) => ({
      struct,
      field: m.name,
      offset: m.bits_offset / 8,
      size: sizeOf(btf, m.type_id),
    }));
    const fromSchema = LAYOUT_FIELDS.filter((f) => f.struct === struct).map((f) => ({ ...f }));
    assert.deepEqual(fromSchema, fromBtf, `struct ${struct}: schema vs BTF`);
  }

  // The flows map's key/value are exactly these structs (a BTF map definition: key/value are
  // pointers to the types).
  const mapVar = [...btf.values()].find((x) => x.kind === "VAR" && x.name === IBSR_MAPS.flows);
  assert.ok(mapVar, "ibsr_flows map variable");
  const def = btf.get(mapVar.type_id!)!;
  const member = (n: string) => btf.get(btf.get(def.members!.find((m) => m.name === n)!.type_id)!.type_id!)!;
  assert.equal(member("key").name, "ibsr_key");
  assert.equal(member("value").name, "ibsr_value");
  assert.equal(KEY_SIZE, 24);
  assert.equal(VALUE_SIZE, 72);
});

test("the loaded maps have the schema's sizes and .rodata carries the layout version", (t) => {
  if (!requireLive(t)) return;
  const obj = openObjectMem(readObject(defaultObjectPath()), "ibsr");
  try {
    assert.equal(obj.readRodata(IBSR_RODATA.layoutVersion), BigInt(LAYOUT_VERSION));
    obj.map(IBSR_MAPS.flows).setMaxEntries(64);
    obj.load();
    const flows = obj.map(IBSR_MAPS.flows);
    assert.equal(flows.keySize, KEY_SIZE);
    assert.equal(flows.valueSize, VALUE_SIZE);
    assert.equal(obj.map(IBSR_MAPS.global).valueSize, STRUCT_SIZES.ibsr_global);
    assert.equal(obj.map(IBSR_MAPS.ports).valueSize, 8192);
    assert.equal(obj.readRodata(IBSR_RODATA.layoutVersion), BigInt(LAYOUT_VERSION), "after load");
  } finally {
    obj.close();
  }
});

test("no file under bpf/ (sources and build output) names a non-PASS XDP action", (t) => {
  const root = fileURLToPath(new URL("../../bpf", import.meta.url));
  if (!existsSync(resolve(root, "build/ibsr.bpf.o"))) {
    if (process.env.CI) assert.fail("bpf/build/ibsr.bpf.o missing: run pnpm build");
    t.skip("bpf/build/ibsr.bpf.o missing: run pnpm build");
    return;
  }
  const forbidden = ["XDP_DROP", "XDP_ABORTED", "XDP_REDIRECT", "XDP_TX"];
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(resolve(dir, e.name)) : [resolve(dir, e.name)],
    );
  const files = walk(root);
  assert.ok(files.some((f) => f.endsWith("ibsr.bpf.c")));
  for (const f of files) {
    const text = readFileSync(f).toString("latin1");
    for (const word of forbidden) assert.ok(!text.includes(word), `${f} contains ${word}`);
  }
});
