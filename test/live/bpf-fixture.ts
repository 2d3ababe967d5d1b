// Loads bpf/build/ibsr.bpf.o for the live BPF tests and the benchmark through the collector's own path
// (verify -> KernelSpec -> configure -> load, contract and post-load checks included), sets the port
// bitmap, runs frames through BPF_PROG_TEST_RUN and reads counters back through the production decoder
// (gatherFlowRows, the drain). Not a test file itself.
import { type GlobalTotals, parseAddress, VALUE_COUNTERS, VALUE_SIZE } from "@ibsr/contract";
import {
  defaultObjectPath,
  type KernelObject,
  KernelSpec,
  readObject,
} from "../../packages/collector/src/kernel/index.js";
import { type BpfMap, type TestRunResult, testRun } from "../../packages/collector/src/libbpf/index.js";
import { FlowDrainer } from "../../packages/collector/src/maps/drain.js";
import {
  allocFlowColumns,
  allocFlowRows,
  encodeKey,
  gatherFlowRows,
} from "../../packages/collector/src/maps/flow-rows.js";

export type Counters = Record<(typeof VALUE_COUNTERS)[number], bigint> & { first_seen: bigint };

export interface IbsrFixture {
  kobj: KernelObject;
  progFd: number;
  /** ibsr_flows4, ibsr_flows6 */
  flows: readonly [BpfMap, BpfMap];
  global: BpfMap;
  setPorts(ports: number[]): void;
  run(frame: Uint8Array, repeat?: number, cpu?: number): TestRunResult;
  /** counters of one key, null when absent */
  read(family: 4 | 6, src: string, dstPort: number, prefixLen?: number): Counters | null;
  globals(): GlobalTotals;
  entries(): number;
  close(): void;
}

export function loadIbsr(
  opts: { mapSize?: number; ipv6PrefixLen?: number; objectPath?: string } = {},
): IbsrFixture {
  const path = opts.objectPath ?? defaultObjectPath();
  const spec = KernelSpec.fromBytes(readObject(path), { label: path });
  let kobj: KernelObject;
  try {
    spec.configure({ mapSize: opts.mapSize, ipv6PrefixLen: opts.ipv6PrefixLen });
    kobj = spec.load();
  } catch (err) {
    spec.close();
    throw err;
  }
  const flows = kobj.flows;
  const progFd = kobj.program.fd;
  const v6len = opts.ipv6PrefixLen ?? 64;
  // One row, its value looked up in the kernel's layout and stored as a drain stores it, decoded by the
  // same gather the snapshot writer uses.
  const row = allocFlowRows(1);
  const value = new Uint32Array(VALUE_SIZE / 4);
  const cols = allocFlowColumns(1);
  const order = new Uint32Array(1);
  let drainer: FlowDrainer | null = null;
  return {
    kobj,
    progFd,
    flows,
    global: kobj.global,
    setPorts(list) {
      kobj.ports.set(list);
    },
    run(frame, repeat = 1, cpu) {
      return testRun(progFd, { data: frame, repeat, cpu });
    },
    read(family, src, dstPort, prefixLen) {
      const p = parseAddress(src);
      const key = encodeKey(family, prefixLen ?? (family === 4 ? 32 : v6len), dstPort, p.bytes);
      // Each family's map holds only keys whose bytes past its key size are zero: any other key is
      // absent, though the kernel, comparing only keySize bytes, would match it.
      const map = kobj.flowMapOf(key);
      if (key.subarray(map.keySize).some((b) => b !== 0)) return null;
      if (!kobj.lookupFlow(key, new Uint8Array(value.buffer))) return null;
      row.keys.set(key);
      row.values.begin();
      row.values.pushRows(value, 1);
      gatherFlowRows(row, order, 0, 1, cols);
      const out = {} as Counters;
      for (const c of VALUE_COUNTERS) out[c] = BigInt.asUintN(64, cols[c][0]!);
      out.first_seen = BigInt.asUintN(64, cols.firstSeen[0]!);
      return out;
    },
    globals() {
      return kobj.readGlobals();
    },
    entries() {
      drainer ??= new FlowDrainer(flows, flows[0].maxEntries + flows[1].maxEntries);
      return drainer.drain().rows;
    },
    close() {
      kobj.close();
    },
  };
}

/** Zero counters, for expected-value tables. */
export function counters(
  partial: Partial<Record<(typeof VALUE_COUNTERS)[number], number>>,
): Record<string, bigint> {
  return Object.fromEntries(VALUE_COUNTERS.map((c) => [c, BigInt(partial[c] ?? 0)]));
}
