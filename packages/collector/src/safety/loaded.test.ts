// checkLoaded's decisions on kernel-reported info; the live test (test/verifier-loaded.test.ts)
// runs it against a program really loaded into the kernel.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { MapInfo, ProgInfo } from "../libbpf/index.js";
import { BPF_PROG_TYPE_XDP, checkLoaded, type InfoSource } from "./loaded.js";
import type { VerifyResult } from "./object.js";

function prog(over: Partial<ProgInfo> = {}): ProgInfo {
  return {
    type: BPF_PROG_TYPE_XDP,
    id: 40,
    name: "ibsr_xdp",
    tag: "00",
    gplCompatible: true,
    mapIds: [1, 2, 3],
    xlatedInsns: Buffer.alloc(0),
    jitedLen: 0,
    verifiedInsns: 0,
    btfId: 0,
    loadTimeNs: 0n,
    runTimeNs: 0n,
    runCnt: 0n,
    ...over,
  };
}
function map(
  id: number,
  name: string,
  type: number,
  maxEntries: number,
  over: Partial<MapInfo> = {},
): MapInfo {
  return { id, name, type, maxEntries, keySize: 24, valueSize: 72, flags: 0, btfId: 0, ...over };
}

const FLOWS = map(1, "ibsr_flows", 9, 5000);
const RODATA = map(2, "ibsr_bpf.rodata", 2, 1, { keySize: 4, valueSize: 24, flags: 0x480 });
const GLOBAL = map(3, "ibsr_global", 6, 1, { keySize: 4, valueSize: 48 });
const OBJECT = {
  ok: true,
  findings: [],
  program: undefined,
  maps: [
    {
      name: "ibsr_flows",
      type: 9,
      typeName: "BPF_MAP_TYPE_LRU_HASH",
      keySize: 24,
      valueSize: 72,
      maxEntries: 100000,
      flags: 0,
      internal: false,
    },
    {
      name: "ibsr_global",
      type: 6,
      typeName: "BPF_MAP_TYPE_PERCPU_ARRAY",
      keySize: 4,
      valueSize: 48,
      maxEntries: 1,
      flags: 0,
      internal: false,
    },
  ],
} satisfies VerifyResult;

/** fds 10/11 are the collector's flows/global maps; other ids are looked up by id. */
function source(p: ProgInfo, maps: MapInfo[]): InfoSource {
  const byFd: Record<number, MapInfo | undefined> = {
    10: maps.find((m) => m.name === "ibsr_flows"),
    11: maps.find((m) => m.name === "ibsr_global"),
  };
  return {
    progInfo: () => p,
    mapInfo: (fd) => {
      const m = byFd[fd];
      if (!m) throw new Error(`no map fd ${fd}`);
      return m;
    },
    mapInfoById: (id) => maps.find((m) => m.id === id) ?? null,
  };
}
const FDS = { ibsr_flows: 10, ibsr_global: 11 };

test("a loaded program matching the request passes, with libbpf's .rodata array allowed", () => {
  const r = checkLoaded(
    1,
    FDS,
    { object: OBJECT, maxEntries: { ibsr_flows: 5000 } },
    source(prog(), [FLOWS, RODATA, GLOBAL]),
  );
  assert.deepEqual(
    r.findings.map((f) => f.message),
    [],
  );
  assert.equal(r.maps.length, 3);
});

test("libbpf's .rodata map passed by fd (as the collector does) is checked as a global-data array", () => {
  const info = source(prog(), [FLOWS, RODATA, GLOBAL]);
  const withRodata: InfoSource = { ...info, mapInfo: (fd) => (fd === 12 ? RODATA : info.mapInfo(fd)) };
  const fds = { ...FDS, ".rodata": 12 };
  const ok = checkLoaded(1, fds, { object: OBJECT, maxEntries: { ibsr_flows: 5000 } }, withRodata);
  assert.deepEqual(
    ok.findings.map((f) => f.message),
    [],
  );
  const bigRodata = { ...RODATA, maxEntries: 2 };
  const bad: InfoSource = {
    ...withRodata,
    mapInfo: (fd) => (fd === 12 ? bigRodata : info.mapInfo(fd)),
    mapInfoById: (id) => (id === 2 ? bigRodata : info.mapInfoById(id)),
  };
  const r = checkLoaded(1, fds, { object: OBJECT, maxEntries: { ibsr_flows: 5000 } }, bad);
  assert.deepEqual(
    r.findings.map((f) => f.rule),
    ["loaded-map-set"],
  );
  assert.match(r.findings[0]!.message, /\(\.rodata\): BPF_MAP_TYPE_ARRAY, 2 entries/);
});

test("max_entries differing from the request is a map-size finding", () => {
  const r = checkLoaded(
    1,
    FDS,
    { object: OBJECT, maxEntries: { ibsr_flows: 4096 } },
    source(prog(), [FLOWS, RODATA, GLOBAL]),
  );
  assert.deepEqual(
    r.findings.map((f) => f.message),
    ["map-size: map ibsr_flows (id 1): max_entries 5000 in the kernel, 4096 requested"],
  );
});

test("a program of another type, another name, and a map nobody asked for", () => {
  const stranger = map(9, "devs", 14, 64, { keySize: 4, valueSize: 4 });
  const r = checkLoaded(
    1,
    FDS,
    { object: OBJECT, maxEntries: { ibsr_flows: 5000 } },
    source(prog({ type: 3, name: "filter", mapIds: [1, 3, 9] }), [FLOWS, GLOBAL, stranger]),
  );
  assert.deepEqual(
    r.findings.map((f) => f.rule),
    ["loaded-prog-type", "loaded-prog-name", "loaded-map-set"],
  );
  assert.match(r.findings[2]!.message, /map devs \(id 9\): BPF_MAP_TYPE_DEVMAP, 64 entries/);
});

test("type, flags and sizes are checked against the allowlist and the verified object", () => {
  const badFlows = map(1, "ibsr_flows", 1, 5000, { flags: 0x2, valueSize: 80 });
  const r = checkLoaded(
    1,
    FDS,
    { object: OBJECT, maxEntries: { ibsr_flows: 5000 } },
    source(prog({ mapIds: [1, 3] }), [badFlows, GLOBAL]),
  );
  assert.deepEqual(r.findings.map((f) => f.rule).sort(), [
    "map-definition",
    "map-flags",
    "map-type",
    "map-type",
  ]);
  assert.ok(r.findings.some((f) => /BPF_F_NO_COMMON_LRU/.test(f.message)));
});

test("a .rodata-named map that is not a plain one-entry array is not waved through", () => {
  const fake = map(2, "x.rodata", 9, 100, { keySize: 4, valueSize: 4 });
  const r = checkLoaded(
    1,
    FDS,
    { object: OBJECT, maxEntries: { ibsr_flows: 5000 } },
    source(prog(), [FLOWS, fake, GLOBAL]),
  );
  assert.deepEqual(
    r.findings.map((f) => f.rule),
    ["loaded-map-set"],
  );
});
