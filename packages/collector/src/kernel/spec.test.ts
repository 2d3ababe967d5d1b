// The spec's contract check, without the kernel: opening an object and reading its BTF needs no
// privilege, and load() refuses a mismatch before anything reaches the kernel.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import {
  GLOBAL_FIELDS,
  GLOBAL_SIZE,
  type GlobalTotals,
  KEY_SIZE,
  KEY_SIZE_V4,
  LAYOUT_VERSION,
  MAP_FLOWS4,
  MAP_FLOWS6,
  MAP_GLOBAL,
  MAP_PORTS,
  META_KEYS,
  PORT_BITMAP_BYTES,
  RODATA,
  type SnapshotMeta,
  snapshotKeyValue,
  VALUE_SIZE,
} from "@ibsr/contract";
import { parseElf } from "../safety/elf.js";
import { verifyObject } from "../safety/index.js";
import { KernelLayoutError, UnverifiedObjectError } from "./errors.js";
import { defaultObjectPath, readObject } from "./file.js";
import { compareWithContract, IBSR_CONTRACT, KernelSpec, kernelHasCoarseClock } from "./spec.js";

/** The built object, or a skip (a laptop without clang has none; CI builds it). */
function objectBytes(t: { skip(msg: string): void }): Buffer | null {
  const path = defaultObjectPath();
  if (!existsSync(path)) {
    if (process.env.CI) assert.fail(`${path} missing: run pnpm build`);
    t.skip(`${path} missing: run pnpm build`);
    return null;
  }
  try {
    KernelSpec.fromBytes(readObject(path)).close();
  } catch (err) {
    if (/cannot load libbpf/.test(String(err))) {
      t.skip(String(err));
      return null;
    }
  }
  return readObject(path);
}

test("the built object's BTF facts equal the contract: names, key/value sizes, layout version", (t) => {
  const bytes = objectBytes(t);
  if (!bytes) return;
  const spec = KernelSpec.fromBytes(bytes);
  try {
    assert.deepEqual(compareWithContract(spec.facts, IBSR_CONTRACT), []);
    const size = (name: string) => {
      const m = spec.facts.maps.get(name);
      assert.ok(m, `map ${name} in the object`);
      return [m.keySize, m.valueSize];
    };
    assert.deepEqual(size(MAP_FLOWS4), [KEY_SIZE_V4, VALUE_SIZE]);
    assert.deepEqual(size(MAP_FLOWS6), [KEY_SIZE, VALUE_SIZE]);
    assert.deepEqual(size(MAP_PORTS), [4, PORT_BITMAP_BYTES]);
    assert.deepEqual(size(MAP_GLOBAL), [4, GLOBAL_SIZE]);
    assert.equal(spec.facts.layoutVersion, LAYOUT_VERSION);
    assert.equal(spec.facts.program, IBSR_CONTRACT.program);
    assert.ok(spec.facts.rodata.has(RODATA.ipv6Mask));
  } finally {
    spec.close();
  }
});

test("a contract whose value size differs: load() refuses with the mismatch named, before the kernel", (t) => {
  const bytes = objectBytes(t);
  if (!bytes) return;
  const contract = {
    ...IBSR_CONTRACT,
    maps: { ...IBSR_CONTRACT.maps, flows6: { ...IBSR_CONTRACT.maps.flows6, valueSize: VALUE_SIZE + 8 } },
  };
  const spec = KernelSpec.fromBytes(bytes, { label: "test.o", contract });
  assert.throws(
    () => spec.load(),
    (err: unknown) => {
      assert.ok(err instanceof KernelLayoutError, String(err));
      assert.deepEqual(err.mismatches, [
        { what: `map ${MAP_FLOWS6} value size`, object: VALUE_SIZE, contract: VALUE_SIZE + 8 },
      ]);
      assert.match(
        err.message,
        new RegExp(
          `test\\.o: .*map ${MAP_FLOWS6} value size is ${VALUE_SIZE} in the object, ${VALUE_SIZE + 8} expected`,
        ),
      );
      assert.match(String(err.hint), /rebuild both/);
      return true;
    },
  );
});

test("an object whose .rodata says another layout version is refused at load", (t) => {
  const bytes = objectBytes(t);
  if (!bytes) return;
  // A mutated copy: the same object with ibsr_layout_version + 1 in its .rodata section data.
  const probe = KernelSpec.fromBytes(bytes);
  const v = probe.facts.rodata.get(RODATA.layoutVersion);
  probe.close();
  assert.ok(v, "ibsr_layout_version in .rodata");
  const mutated = Buffer.from(bytes);
  const rodata = parseElf(mutated).sectionByName(".rodata");
  assert.ok(rodata);
  const at = rodata.offset + v.offset;
  assert.equal(mutated.readUInt32LE(at), LAYOUT_VERSION);
  mutated.writeUInt32LE(LAYOUT_VERSION + 1, at);
  assert.ok(verifyObject(mutated).ok, "still passes the safety rules: only the version differs");
  const spec = KernelSpec.fromBytes(mutated, { label: "mutated.o" });
  assert.equal(spec.facts.layoutVersion, LAYOUT_VERSION + 1);
  assert.throws(
    () => spec.load(),
    (err: unknown) =>
      err instanceof KernelLayoutError &&
      err.mismatches.length === 1 &&
      err.message.includes(
        `${RODATA.layoutVersion} is ${LAYOUT_VERSION + 1} in the object, ${LAYOUT_VERSION} expected`,
      ),
  );
});

test("bytes the safety verifier rejects are never opened", (t) => {
  const bytes = objectBytes(t);
  if (!bytes) return;
  const verdict = { ...verifyObject(bytes), ok: false };
  assert.throws(() => KernelSpec.fromVerifiedBytes(bytes, verdict, { label: "x.o" }), UnverifiedObjectError);
});

test("a snapshot is stamped with the layout version the loaded object reported", () => {
  const meta: SnapshotMeta = {
    collectorVersion: "t",
    host: "h",
    iface: "i",
    runId: "r",
    seq: 0,
    tsUs: 1n,
    baseTsUs: 1n,
    intervalSec: 60,
    xdpMode: "generic",
    mtu: 1500,
    offload: {},
    mapCapacity: 1,
    liveEntries: 0,
    kernelRelease: "k",
    ports: [443],
    ipv6PrefixLen: 64,
    globals: Object.fromEntries(GLOBAL_FIELDS.map((f) => [f, 0n])) as GlobalTotals,
    monoOffsetNs: 0n,
    layoutVersion: LAYOUT_VERSION + 41,
  };
  assert.equal(snapshotKeyValue(meta).get(META_KEYS.layoutVersion), String(LAYOUT_VERSION + 41));
});

test("the coarse clock is chosen from 5.11 on; older or unreadable releases keep the exact one", () => {
  for (const r of ["5.11.0", "5.15.0-91-generic", "6.1.0-13-amd64", "6.18.44-fc-v657", "10.0.1"])
    assert.equal(kernelHasCoarseClock(r), true, r);
  for (const r of ["5.9.0", "5.10.209-1", "4.19.0", "", "unknown"])
    assert.equal(kernelHasCoarseClock(r), false, r);
});
