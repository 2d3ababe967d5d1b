// The loaded kernel object (made only by KernelSpec.load): the flow map, the port map, the per-CPU
// globals, what the kernel says about them, and attach. What production runs is what the tests run.
import { encodePortBitmap, FAMILY_IPV4, type GlobalTotals, KEY_OFFSETS, RODATA } from "@ibsr/contract";
import {
  type BpfLink,
  type BpfMap,
  type BpfObject,
  type BpfProgram,
  LibbpfError,
  type MapInfo,
  mapInfo,
  numPossibleCpus,
  type XdpMode,
} from "../libbpf/index.js";
import { GlobalReader } from "../maps/drain.js";
import type { KernelContract } from "./spec.js";

/** ibsr_ports: one 65 536-bit value at key 0. */
export class PortMap {
  private readonly key = new Uint8Array(4);
  constructor(readonly map: BpfMap) {}

  /** Replaces the monitored set; RangeError for a port outside 0..65535. */
  set(ports: Iterable<number>): void {
    this.map.update(this.key, encodePortBitmap(ports));
  }
}

/** The kernel's own view of the four maps (bpf_map_info), for comparison with the contract. */
export type LoadedMaps = Record<keyof KernelContract["maps"], MapInfo>;

export class KernelObject {
  readonly program: BpfProgram;
  /** ibsr_flows4 (8-byte IPv4 keys) and ibsr_flows6, in that order: what a drain reads. */
  readonly flows: readonly [BpfMap, BpfMap];
  readonly flows4: BpfMap;
  readonly flows6: BpfMap;
  readonly ports: PortMap;
  readonly global: BpfMap;
  /** Sums ibsr_global over the possible CPUs. */
  readonly globals: GlobalReader;
  /** ibsr_layout_version as the loaded object's .rodata holds it (what snapshots are stamped with). */
  readonly layoutVersion: number;

  /** @internal: KernelSpec.load() makes it. */
  constructor(
    private readonly obj: BpfObject,
    contract: KernelContract,
  ) {
    this.program = obj.program(contract.program);
    this.flows4 = obj.map(contract.maps.flows4.name);
    this.flows6 = obj.map(contract.maps.flows6.name);
    this.flows = [this.flows4, this.flows6];
    this.ports = new PortMap(obj.map(contract.maps.ports.name));
    this.global = obj.map(contract.maps.global.name);
    this.globals = new GlobalReader(this.global, numPossibleCpus());
    this.layoutVersion = Number(obj.readRodata(RODATA.layoutVersion));
  }

  /** The flow map a key (struct ibsr_key, KEY_SIZE bytes) belongs to, by its family byte. */
  flowMapOf(key: Uint8Array): BpfMap {
    return key[KEY_OFFSETS.family] === FAMILY_IPV4 ? this.flows4 : this.flows6;
  }

  /** Looks one key (struct ibsr_key, KEY_SIZE bytes) up in its family's map, which keeps only the key's
   * leading bytes; false when absent. */
  lookupFlow(key: Uint8Array, out: Uint8Array): boolean {
    const map = this.flowMapOf(key);
    return map.lookup(key.subarray(0, map.keySize), out);
  }

  /** name -> fd of the four maps and .rodata (opened by fd: by id would need CAP_SYS_ADMIN). */
  mapFds(): Record<string, number> {
    return {
      [this.flows4.name]: this.flows4.fd,
      [this.flows6.name]: this.flows6.fd,
      [this.ports.map.name]: this.ports.map.fd,
      [this.global.name]: this.global.fd,
      ".rodata": this.obj.map(".rodata").fd,
    };
  }

  /** bpf_map_info of the three maps: sizes as the kernel holds them. */
  loadedMaps(): LoadedMaps {
    return {
      flows4: mapInfo(this.flows4.fd),
      flows6: mapInfo(this.flows6.fd),
      ports: mapInfo(this.ports.map.fd),
      global: mapInfo(this.global.fd),
    };
  }

  /** The summed per-CPU totals now. */
  readGlobals(): GlobalTotals {
    return this.globals.read();
  }

  /**
   * Attaches through a bpf_link (the kernel detaches it when the process dies). "auto" tries native and
   * falls back to generic when the driver refuses native (not on EPERM or EBUSY), telling `onFallback` why.
   */
  attach(ifindex: number, mode: XdpMode, onFallback?: (err: LibbpfError) => void): BpfLink {
    if (mode !== "auto") return this.program.attachXdp(ifindex, mode);
    try {
      return this.program.attachXdp(ifindex, "native");
    } catch (err) {
      if (!(err instanceof LibbpfError) || err.errnoName === "EPERM" || err.errnoName === "EBUSY") throw err;
      onFallback?.(err);
      return this.program.attachXdp(ifindex, "generic");
    }
  }

  /** Closes maps and program (links the caller holds keep the program attached until destroyed). */
  close(): void {
    this.obj.close();
  }
}
