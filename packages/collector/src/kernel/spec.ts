// The kernel object before load, in the spirit of cilium/ebpf's CollectionSpec: made from the exact bytes
// the safety verifier passed, it exposes what the object's BTF says (map key/value sizes, max_entries,
// .rodata variables, the layout version), takes the run's configuration, and loads only when those facts
// match the contract user space was built for (@ibsr/contract's kernel interface). One path for the
// collector, the bench, the deploy scripts and the live tests.
import { release as osRelease } from "node:os";
import {
  ARRAY_KEY_SIZE,
  type FlowMapName,
  flowKeySizes,
  GLOBAL_SIZE,
  KEY_SIZE,
  KEY_SIZE_V4,
  LAYOUT_VERSION,
  MAP_FLOWS4,
  MAP_FLOWS6,
  MAP_GLOBAL,
  MAP_PORTS,
  mapSizes,
  PORT_BITMAP_BYTES,
  PROGRAM_NAME,
  RODATA,
  VALUE_SIZE,
} from "@ibsr/contract";
import { type BpfObject, LibbpfError, openObjectMem, type RodataVariable } from "../libbpf/index.js";
import { checkLoaded, type VerifyResult, verifyObject } from "../safety/index.js";
import { MAP_NAME_PREFIX } from "../safety/policy.js";
import {
  KernelLayoutError,
  KernelLoadError,
  KernelUnsafeError,
  type LayoutMismatch,
  UnverifiedObjectError,
} from "./errors.js";
import { KernelObject } from "./object.js";

export interface MapContract {
  name: string;
  keySize: number;
  valueSize: number;
}

/** What user space expects of the object: names, key/value sizes, layout version. */
export interface KernelContract {
  program: string;
  maps: { flows4: MapContract; flows6: MapContract; ports: MapContract; global: MapContract };
  layoutVersion: number;
}

/** The contract of this build, from @ibsr/contract. */
export const IBSR_CONTRACT: KernelContract = {
  program: PROGRAM_NAME,
  maps: {
    // The key sizes the object declares; configure() cuts ibsr_flows6's to the prefix's (flowKeySizes).
    flows4: { name: MAP_FLOWS4, keySize: KEY_SIZE_V4, valueSize: VALUE_SIZE },
    flows6: { name: MAP_FLOWS6, keySize: KEY_SIZE, valueSize: VALUE_SIZE },
    ports: { name: MAP_PORTS, keySize: ARRAY_KEY_SIZE, valueSize: PORT_BITMAP_BYTES },
    global: { name: MAP_GLOBAL, keySize: ARRAY_KEY_SIZE, valueSize: GLOBAL_SIZE },
  },
  layoutVersion: LAYOUT_VERSION,
};

export interface MapFacts {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
}

/** What the object's BTF and map definitions say, read through libbpf before load. */
export interface BtfFacts {
  /** The program's name, from the verification result (the object holds exactly one). */
  program: string | undefined;
  /** Every map the object declares, libbpf's internal .rodata/.data/.bss included, by name. */
  maps: ReadonlyMap<string, MapFacts>;
  /** `const volatile` globals: offset and size in .rodata. */
  rodata: ReadonlyMap<string, RodataVariable>;
  /** ibsr_layout_version as compiled into .rodata; undefined when the object has none. */
  layoutVersion: number | undefined;
}

/** Every way the facts disagree with the contract (empty when they agree). */
export function compareWithContract(facts: BtfFacts, contract: KernelContract): LayoutMismatch[] {
  const out: LayoutMismatch[] = [];
  if (facts.program !== contract.program)
    out.push({ what: "the program's name", object: facts.program ?? "(none)", contract: contract.program });
  for (const want of Object.values(contract.maps)) {
    const got = facts.maps.get(want.name);
    if (!got) {
      out.push({ what: `map ${want.name}`, object: "(absent)", contract: "present" });
      continue;
    }
    if (got.keySize !== want.keySize)
      out.push({ what: `map ${want.name} key size`, object: got.keySize, contract: want.keySize });
    if (got.valueSize !== want.valueSize)
      out.push({ what: `map ${want.name} value size`, object: got.valueSize, contract: want.valueSize });
  }
  if (facts.layoutVersion !== contract.layoutVersion)
    out.push({
      what: RODATA.layoutVersion,
      object: facts.layoutVersion ?? "(absent)",
      contract: contract.layoutVersion,
    });
  return out;
}

export interface KernelConfig {
  /** Total flow entries (--map-size), split between the two maps by mapSizes(); the object's defaults when absent. */
  mapSize?: number;
  /** IPv6 source prefix length 0..128 (--ipv6-prefix-len); the object's own default when absent. */
  ipv6PrefixLen?: number;
  /** Monitored destination ports, written to ibsr_ports right after load. */
  ports?: readonly number[];
  /** first_seen from bpf_ktime_get_coarse_ns (needs 5.11); detected from the running kernel when absent. */
  coarseClock?: boolean;
}

/** bpf_ktime_get_coarse_ns arrived in Linux 5.11; the project's minimum is 5.9 (docs/install.md). */
export function kernelHasCoarseClock(release: string = osRelease()): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return false; // unknown: the exact clock works on every supported kernel
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 5 || (major === 5 && minor >= 11);
}

export interface SpecOptions {
  /** How errors name the object (its path). */
  label?: string;
  /** The expectation to check at load (tests pass a different one). */
  contract?: KernelContract;
}

export class KernelSpec {
  readonly label: string;
  readonly contract: KernelContract;
  readonly facts: BtfFacts;
  private obj: BpfObject | null;
  private ports: readonly number[] = [];
  /** The flow maps' key sizes as set by configure() (the declared sizes until then). */
  private flowKeySizes: Record<FlowMapName, number> | undefined;

  private constructor(
    obj: BpfObject,
    readonly verification: VerifyResult,
    opts: SpecOptions,
  ) {
    this.obj = obj;
    this.label = opts.label ?? "the BPF object";
    this.contract = opts.contract ?? IBSR_CONTRACT;
    this.facts = readFacts(obj, verification);
  }

  /**
   * Opens bytes the safety verifier passed (`verification` is its result for these same bytes). Opening
   * needs no privilege: nothing reaches the kernel before load().
   */
  static fromVerifiedBytes(bytes: Buffer, verification: VerifyResult, opts: SpecOptions = {}): KernelSpec {
    if (!verification.ok)
      throw new UnverifiedObjectError(opts.label ?? "the BPF object", verification.findings);
    // The object's name prefixes libbpf's internal maps (ibsr.rodata): they carry the prefix too.
    return new KernelSpec(openObjectMem(bytes, MAP_NAME_PREFIX), verification, opts);
  }

  /**
   * Verifies the bytes, then opens them. Throws UnreadableObjectError for bytes that are not a BPF ELF and
   * UnverifiedObjectError (with the findings) for an object the safety verifier rejects.
   */
  static fromBytes(bytes: Buffer, opts: SpecOptions = {}): KernelSpec {
    return KernelSpec.fromVerifiedBytes(bytes, verifyObject(bytes), opts);
  }

  private handle(): BpfObject {
    if (!this.obj) throw new Error(`${this.label}: the spec was already loaded or closed`);
    return this.obj;
  }

  /** Sets the run's parameters before load; throws RangeError for a value out of range. */
  configure(cfg: KernelConfig): this {
    const obj = this.handle();
    if (cfg.mapSize !== undefined) {
      const sizes = mapSizes(cfg.mapSize);
      obj.map(this.contract.maps.flows4.name).setMaxEntries(sizes[MAP_FLOWS4]);
      obj.map(this.contract.maps.flows6.name).setMaxEntries(sizes[MAP_FLOWS6]);
    }
    if (cfg.ipv6PrefixLen !== undefined) {
      // The length is stored in each key; the 16-byte mask is what the program ANDs with (no branches).
      const mask = ipv6Mask(cfg.ipv6PrefixLen);
      obj.setRodata({ [RODATA.ipv6PrefixLen]: cfg.ipv6PrefixLen });
      obj.setRodataBytes(RODATA.ipv6Mask, mask);
    }
    // Each map keeps the key bytes its family can use: 8 for IPv4, 12 for a /64-or-shorter IPv6 prefix.
    const prefixLen = cfg.ipv6PrefixLen ?? Number(obj.readRodata(RODATA.ipv6PrefixLen));
    this.flowKeySizes = flowKeySizes(prefixLen);
    obj.map(this.contract.maps.flows4.name).setKeySize(this.flowKeySizes[MAP_FLOWS4]);
    obj.map(this.contract.maps.flows6.name).setKeySize(this.flowKeySizes[MAP_FLOWS6]);
    obj.setRodata({ [RODATA.coarseClock]: (cfg.coarseClock ?? kernelHasCoarseClock()) ? 1 : 0 });
    if (cfg.ports !== undefined) this.ports = [...cfg.ports];
    return this;
  }

  /**
   * Checks the facts against the contract (KernelLayoutError), loads (KernelLoadError, with the verifier
   * log as data), checks what the kernel holds against the safety rules (KernelUnsafeError) and writes the
   * port set. The spec is used up either way: on failure everything is closed, on success the object owns it.
   */
  load(): KernelObject {
    const obj = this.handle();
    this.obj = null;
    try {
      const mismatches = compareWithContract(this.facts, this.contract);
      if (mismatches.length > 0) throw new KernelLayoutError(this.label, mismatches);
      try {
        obj.load();
      } catch (err) {
        if (err instanceof LibbpfError && err.op === "load") throw new KernelLoadError(this.label, err);
        throw err;
      }
      const kobj = new KernelObject(obj, this.contract);
      const res = checkLoaded(kobj.program.fd, kobj.mapFds(), {
        object: this.verification,
        maxEntries: Object.fromEntries(kobj.flows.map((m) => [m.name, m.maxEntries])),
        ...(this.flowKeySizes
          ? {
              keySize: {
                [this.contract.maps.flows4.name]: this.flowKeySizes[MAP_FLOWS4],
                [this.contract.maps.flows6.name]: this.flowKeySizes[MAP_FLOWS6],
              },
            }
          : {}),
      });
      if (!res.ok) throw new KernelUnsafeError(this.label, res.findings);
      kobj.ports.set(this.ports);
      return kobj;
    } catch (err) {
      obj.close();
      throw err;
    }
  }

  /** Releases the opened object when load() was never called; idempotent. */
  close(): void {
    this.obj?.close();
    this.obj = null;
  }
}

/** The mask of an IPv6 prefix length 0..128, network byte order. */
export function ipv6Mask(prefixLen: number): Uint8Array {
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 128)
    throw new RangeError(`IPv6 prefix length must be an integer 0..128, got ${prefixLen}`);
  const mask = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, prefixLen - 8 * i));
    mask[i] = (0xff00 >> bits) & 0xff;
  }
  return mask;
}

function readFacts(obj: BpfObject, verification: VerifyResult): BtfFacts {
  const maps = new Map<string, MapFacts>();
  for (const m of verification.maps) {
    let lm: ReturnType<BpfObject["map"]>;
    try {
      lm = obj.map(m.name);
    } catch (err) {
      // A global-data section libbpf did not turn into a map of that name: not part of the contract.
      if (m.internal && err instanceof LibbpfError) continue;
      throw err;
    }
    maps.set(m.name, {
      name: m.name,
      type: lm.type,
      keySize: lm.keySize,
      valueSize: lm.valueSize,
      maxEntries: lm.maxEntries,
    });
  }
  const rodata = obj.rodataVariables();
  const version = rodata.get(RODATA.layoutVersion);
  return {
    program: verification.program?.name,
    maps,
    rodata,
    layoutVersion: version ? Number(obj.readRodata(RODATA.layoutVersion)) : undefined,
  };
}
