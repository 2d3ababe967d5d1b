// Loads bpf/build/ibsr.bpf.o for the live BPF tests and the benchmark: sets the port bitmap, runs
// frames through BPF_PROG_TEST_RUN and reads counters back. Not a test file itself.
import { GLOBAL_SIZE, type GlobalTotals, parseAddress, VALUE_COUNTERS } from "@ibsr/contract";
import {
  defaultObjectPath,
  encodePortBitmap,
  IBSR_MAPS,
  IBSR_PROGRAM,
  readObject,
} from "../../packages/collector/src/bpf-object.js";
import {
  BatchCursor,
  BPF,
  type BpfMap,
  type BpfObject,
  numPossibleCpus,
  openObjectMem,
  perCpuValueBytes,
  type TestRunResult,
  testRun,
} from "../../packages/collector/src/libbpf/index.js";
import { decodeGlobal, encodeKey } from "../../packages/collector/src/maps/flow-rows.js";

export type Counters = Record<(typeof VALUE_COUNTERS)[number], bigint> & { first_seen: bigint };

export interface IbsrFixture {
  obj: BpfObject;
  progFd: number;
  flows: BpfMap;
  ports: BpfMap;
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
  const obj = openObjectMem(readObject(opts.objectPath ?? defaultObjectPath()), "ibsr");
  try {
    if (opts.mapSize) obj.map(IBSR_MAPS.flows).setMaxEntries(opts.mapSize);
    if (opts.ipv6PrefixLen !== undefined) obj.setIpv6PrefixLen(opts.ipv6PrefixLen);
    obj.load();
  } catch (err) {
    obj.close();
    throw err;
  }
  const flows = obj.map(IBSR_MAPS.flows);
  const ports = obj.map(IBSR_MAPS.ports);
  const global = obj.map(IBSR_MAPS.global);
  const progFd = obj.program(IBSR_PROGRAM).fd;
  const cpus = numPossibleCpus();
  const v6len = opts.ipv6PrefixLen ?? 64;
  const zeroKey = Buffer.alloc(4);
  const value = Buffer.alloc(72);
  return {
    obj,
    progFd,
    flows,
    ports,
    global,
    setPorts(list) {
      ports.update(zeroKey, encodePortBitmap(list), BPF.BPF_ANY);
    },
    run(frame, repeat = 1, cpu) {
      return testRun(progFd, { data: frame, repeat, cpu });
    },
    read(family, src, dstPort, prefixLen) {
      const p = parseAddress(src);
      const key = encodeKey(family, prefixLen ?? (family === 4 ? 32 : v6len), dstPort, p.bytes);
      if (!flows.lookup(key, value)) return null;
      const out = {} as Counters;
      VALUE_COUNTERS.forEach((c, i) => {
        out[c] = value.readBigUInt64LE(8 * i);
      });
      out.first_seen = value.readBigUInt64LE(64);
      return out;
    },
    globals() {
      const buf = Buffer.alloc(perCpuValueBytes(GLOBAL_SIZE));
      global.lookup(zeroKey, buf);
      return decodeGlobal(buf, cpus);
    },
    entries() {
      const cur = new BatchCursor();
      const keys = Buffer.alloc(4096 * 24);
      const vals = Buffer.alloc(4096 * 72);
      let n = 0;
      while (!cur.done) n += flows.lookupBatch(cur, keys, vals, 4096);
      return n;
    },
    close() {
      obj.close();
    },
  };
}

/** Zero counters, for expected-value tables. */
export function counters(
  partial: Partial<Record<(typeof VALUE_COUNTERS)[number], number>>,
): Record<string, bigint> {
  return Object.fromEntries(VALUE_COUNTERS.map((c) => [c, BigInt(partial[c] ?? 0)]));
}
