// The allowlists: the only helpers, map types and map flags the IBSR program may use. Everything not
// listed is rejected; nothing here is a denylist. Changing a list widens what "safe" means: say why
// in docs/safety.md and add a corpus file for anything newly allowed.

/** XDP_PASS: the only action the program may return. */
export const XDP_PASS = 2;
export const XDP_ACTIONS: Record<number, string> = {
  0: "XDP_ABORTED",
  1: "XDP_DROP",
  2: "XDP_PASS",
  3: "XDP_TX",
  4: "XDP_REDIRECT",
};

/**
 * Helper IDs the program needs: map lookup and insert, and the clock read once per new entry.
 * Nothing that writes packets, redirects, emits events or calls other programs.
 */
export const ALLOWED_HELPERS: ReadonlySet<number> = new Set([
  1, // bpf_map_lookup_elem
  2, // bpf_map_update_elem (BPF_NOEXIST insert)
  5, // bpf_ktime_get_ns (first_seen, once per insert, on 5.9/5.10 where the coarse clock is missing)
  // bpf_ktime_get_coarse_ns (first_seen on 5.11+): a read-only clock like #5, without the clocksource
  // read that made #5 most of an insert's cost (bench/bpf.ts, new-key insert rows); no side effect.
  160,
]);

export const MAP_TYPE = { HASH: 1, ARRAY: 2, PERCPU_ARRAY: 6, LRU_HASH: 9 } as const;

const MAP_TYPE_NAMES = [
  "UNSPEC",
  "HASH",
  "ARRAY",
  "PROG_ARRAY",
  "PERF_EVENT_ARRAY",
  "PERCPU_HASH",
  "PERCPU_ARRAY",
  "STACK_TRACE",
  "CGROUP_ARRAY",
  "LRU_HASH",
  "LRU_PERCPU_HASH",
  "LPM_TRIE",
  "ARRAY_OF_MAPS",
  "HASH_OF_MAPS",
  "DEVMAP",
  "SOCKMAP",
  "CPUMAP",
  "XSKMAP",
  "SOCKHASH",
  "CGROUP_STORAGE",
  "REUSEPORT_SOCKARRAY",
  "PERCPU_CGROUP_STORAGE",
  "QUEUE",
  "STACK",
  "SK_STORAGE",
  "DEVMAP_HASH",
  "STRUCT_OPS",
  "RINGBUF",
  "INODE_STORAGE",
  "TASK_STORAGE",
  "BLOOM_FILTER",
  "USER_RINGBUF",
  "CGRP_STORAGE",
  "ARENA",
];

export function mapTypeName(type: number): string {
  const name = MAP_TYPE_NAMES[type];
  return name ? `BPF_MAP_TYPE_${name}` : `map type ${type}`;
}

/** Bounded, preallocated, no side channels: one shared LRU hash and plain/per-CPU arrays. */
export const ALLOWED_MAP_TYPES: ReadonlySet<number> = new Set([
  MAP_TYPE.LRU_HASH,
  MAP_TYPE.ARRAY,
  MAP_TYPE.PERCPU_ARRAY,
]);

export const MAP_FLAG_NAMES: Record<number, string> = {
  1: "BPF_F_NO_PREALLOC",
  2: "BPF_F_NO_COMMON_LRU",
  4: "BPF_F_NUMA_NODE",
  8: "BPF_F_RDONLY",
  16: "BPF_F_WRONLY",
  32: "BPF_F_STACK_BUILD_ID",
  64: "BPF_F_ZERO_SEED",
  128: "BPF_F_RDONLY_PROG",
  256: "BPF_F_WRONLY_PROG",
  512: "BPF_F_CLONE",
  1024: "BPF_F_MMAPABLE",
  2048: "BPF_F_PRESERVE_ELEMS",
  4096: "BPF_F_INNER_MAP",
};

export function mapFlagNames(flags: number): string {
  const names: string[] = [];
  for (let bit = 1; bit !== 0 && bit <= flags; bit <<= 1) {
    if (flags & bit) names.push(MAP_FLAG_NAMES[bit] ?? `0x${bit.toString(16)}`);
  }
  return names.join("|") || "0";
}

/** The declared maps may not set any flag (BPF_F_NO_COMMON_LRU would split the LRU per CPU). */
export const ALLOWED_MAP_FLAGS = 0;
/**
 * Flags libbpf itself sets on the global-data maps it creates for .rodata/.data/.bss
 * (read-only for the program, mmap-able for user space); checked after load only.
 */
export const ALLOWED_INTERNAL_MAP_FLAGS = 0x80 | 0x400;

/** Upper bound on any map's max_entries (the collector applies the --max-kernel-mem cap on top). */
export const DEFAULT_MAX_ENTRIES_LIMIT = 16 * 1024 * 1024;

/** Maps must carry this prefix so `bpftool map list` shows them as IBSR's. */
export const MAP_NAME_PREFIX = "ibsr";

/** Sections libbpf turns into global-data array maps. */
export function isGlobalDataSection(name: string): boolean {
  return /^\.(rodata|data|bss)(\.|$)/.test(name);
}
