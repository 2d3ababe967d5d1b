// The layout contract: every size and offset in @ibsr/contract's kernel.ts equals the BTF of the
// compiled object (bpftool's JSON dump), field for field, with nothing extra on either side; the
// maps use those structs; the object loaded through the collector's own path (KernelSpec) holds maps of
// the contract's sizes and the layout version user space expects; and a kernel rejection arrives with
// the verifier log as data.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  GLOBAL_SIZE,
  KEY_SIZE,
  KEY_SIZE_SHORT,
  KEY_SIZE_V4,
  LAYOUT_FIELDS,
  LAYOUT_VERSION,
  MAP_FLOWS4,
  MAP_FLOWS6,
  PORT_BITMAP_BYTES,
  STRUCT_SIZES,
  VALUE_SIZE,
} from "@ibsr/contract";
import {
  defaultObjectPath,
  IBSR_CONTRACT,
  KernelLoadError,
  KernelSpec,
  readObject,
} from "../../packages/collector/src/kernel/index.js";
import { LibbpfError } from "../../packages/collector/src/libbpf/index.js";
import { requireLive } from "../harness/live.js";
import { compileVariant } from "./bpf-compile.js";

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

test("the contract's kernel.ts equals the compiled object's BTF", (t) => {
  const obj = defaultObjectPath();
  if (!existsSync(obj)) {
    if (process.env.CI) assert.fail(`${obj} missing: run pnpm build`);
    t.skip(`${obj} missing: run pnpm build`);
    return;
  }
  const btf = loadBtf(obj);
  // struct ibsr_key is not in the object's BTF: the flows map declares a key size (set again before load,
  // short for a /64-or-shorter setup), not a key type. Its layout comes from a probe compiled from the
  // same header, never loaded.
  const dir = mkdtempSync(join(tmpdir(), "ibsr-layout-probe-"));
  let keyBtf: Map<number, BtfType>;
  try {
    const c = join(dir, "probe.c");
    writeFileSync(c, '#include <linux/types.h>\n#include "ibsr.h"\nstruct ibsr_key ibsr_key_probe;\n');
    const arch = execFileSync("gcc", ["-print-multiarch"], { encoding: "utf8" }).trim();
    const o = join(dir, "probe.o");
    execFileSync("clang", [
      "-g",
      "-O2",
      "-target",
      "bpf",
      `-I/usr/include/${arch}`,
      `-I${fileURLToPath(new URL("../../bpf", import.meta.url))}`,
      "-c",
      c,
      "-o",
      o,
    ]);
    keyBtf = loadBtf(o);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [struct, size] of Object.entries(STRUCT_SIZES)) {
    const from = struct === "ibsr_key" ? keyBtf : btf;
    const s = structByName(from, struct);
    assert.equal(s.size, size, `sizeof(struct ${struct})`);
    const fromBtf = s.members!.map((m) => ({
      struct,
      field: m.name,
      offset: m.bits_offset / 8,
      size: sizeOf(from, m.type_id),
    }));
    const fromSchema = LAYOUT_FIELDS.filter((f) => f.struct === struct).map((f) => ({ ...f }));
    assert.deepEqual(fromSchema, fromBtf, `struct ${struct}: schema vs BTF`);
  }

  // Each flow map's value is exactly that struct (a BTF map definition: the value is a pointer to the
  // type); ibsr_flows4 declares the IPv4 key size, ibsr_flows6 the whole struct ibsr_key.
  for (const [name, keySize] of [
    [MAP_FLOWS4, KEY_SIZE_V4],
    [MAP_FLOWS6, KEY_SIZE],
  ] as const) {
    const mapVar = [...btf.values()].find((x) => x.kind === "VAR" && x.name === name);
    assert.ok(mapVar, `${name} map variable`);
    const def = btf.get(mapVar.type_id!)!;
    const member = (n: string) =>
      btf.get(btf.get(def.members!.find((m) => m.name === n)!.type_id)!.type_id!)!;
    assert.equal(
      def.members!.find((m) => m.name === "key"),
      undefined,
      "no BTF key type: user space sets the key size",
    );
    assert.equal(member("key_size").nr_elems, keySize);
    assert.equal(member("value").name, "ibsr_value");
    assert.equal(member("value").size, VALUE_SIZE);
  }
});

test("loaded through the collector's path, the kernel holds maps of the contract's sizes and its layout version", (t) => {
  if (!requireLive(t)) return;
  const spec = KernelSpec.fromBytes(readObject(defaultObjectPath()));
  // Before load: what the object's BTF says.
  assert.equal(spec.facts.layoutVersion, LAYOUT_VERSION);
  assert.equal(spec.facts.maps.get(MAP_FLOWS4)?.keySize, KEY_SIZE_V4);
  assert.equal(spec.facts.maps.get(MAP_FLOWS6)?.keySize, KEY_SIZE);
  assert.equal(spec.facts.maps.get(MAP_FLOWS6)?.valueSize, VALUE_SIZE);
  const kobj = spec.configure({ mapSize: 64, ports: [443] }).load();
  try {
    // After load: what the kernel says (bpf_map_info), against the contract and the struct sizes. The
    // IPv6 flows key is the short one: the object's default IPv6 prefix is /64.
    const loaded = kobj.loadedMaps();
    for (const [role, want] of Object.entries(IBSR_CONTRACT.maps)) {
      const got = loaded[role as keyof typeof loaded];
      assert.equal(got.name, want.name, `${role} name`);
      assert.equal(got.keySize, role === "flows6" ? KEY_SIZE_SHORT : want.keySize, `${role} key size`);
      assert.equal(got.valueSize, want.valueSize, `${role} value size`);
    }
    assert.equal(loaded.flows4.valueSize, STRUCT_SIZES.ibsr_value);
    assert.equal(loaded.flows6.valueSize, STRUCT_SIZES.ibsr_value);
    assert.equal(loaded.global.valueSize, GLOBAL_SIZE);
    assert.equal(loaded.ports.valueSize, PORT_BITMAP_BYTES);
    // --map-size 64 split by mapSizes(): 48 + 16.
    assert.deepEqual([loaded.flows4.maxEntries, loaded.flows6.maxEntries], [48, 16]);
    assert.equal(kobj.layoutVersion, LAYOUT_VERSION, "the loaded .rodata's layout version");
  } finally {
    kobj.close();
  }
});

test("a program the kernel verifier rejects: KernelLoadError with the verifier log as data and the libbpf error as cause", (t) => {
  if (!requireLive(t)) return;
  const dir = mkdtempSync(join(tmpdir(), "ibsr-layout-"));
  try {
    // A packet read with no bounds check: our safety rules allow loads, the kernel verifier does not.
    const path = compileVariant(
      dir,
      "unbounded",
      "  volatile __u8 x = *(__u8 *)(long)ctx->data;\n  (void)x;\n  return XDP_PASS;",
    );
    const spec = KernelSpec.fromBytes(readObject(path), { label: path });
    assert.throws(
      () => spec.load(),
      (err: unknown) => {
        assert.ok(err instanceof KernelLoadError, String(err));
        assert.ok(err.cause instanceof LibbpfError, "the libbpf error is the cause");
        assert.equal(err.cause.op, "load");
        assert.ok(err.verifierRejected, "a verifier verdict");
        assert.ok(
          err.verifierLog.some((l) => /invalid access to packet|R\d+ invalid mem access/.test(l)),
          `the reason is a line of the log: ${err.verifierLog.join(" | ")}`,
        );
        assert.match(err.verifierLog.at(-1) ?? "", /^processed \d+ insns/, "the verdict is the last line");
        assert.ok(
          err.verifierLog.every((l) => !l.includes("\n") && !/PROG LOAD LOG|^libbpf:/.test(l)),
          `one line per entry, the kernel's only: ${err.verifierLog.join(" | ")}`,
        );
        assert.ok(
          err.libbpfLog.some((l) => /^libbpf: .*failed to load/.test(l)),
          "libbpf's own lines kept apart",
        );
        assert.match(err.message, new RegExp(`loading ${path} into the kernel failed`));
        assert.match(String(err.hint), /kernel verifier rejected/);
        return true;
      },
    );
    // The spec is used up: a second load is refused, not retried.
    assert.throws(() => spec.load(), /already loaded or closed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
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
