// Post-load check: what the kernel actually holds after bpf_object__load, read back with
// bpf_obj_get_info_by_fd, against the same allowlists as the object layer. It closes the gap
// between "the bytes we verified" and "what libbpf created" (map sizes set at run time, maps
// libbpf adds for .rodata, anything reused through pinning).
import { type MapInfo, mapInfo, mapInfoById, type ProgInfo, progInfo } from "../libbpf/index.js";
import type { Finding } from "./findings.js";
import type { VerifyResult } from "./object.js";
import {
  ALLOWED_INTERNAL_MAP_FLAGS,
  ALLOWED_MAP_FLAGS,
  ALLOWED_MAP_TYPES,
  MAP_NAME_PREFIX,
  MAP_TYPE,
  mapFlagNames,
  mapTypeName,
} from "./policy.js";

export const BPF_PROG_TYPE_XDP = 6;

export interface LoadedCheck {
  ok: boolean;
  findings: Finding[];
  prog: ProgInfo;
  maps: MapInfo[];
}

export interface CheckLoadedOptions {
  /** The object layer's result for the same bytes: key/value sizes and default max_entries per map. */
  object?: VerifyResult;
  /** max_entries the collector requested with setMaxEntries, by map name (overrides the object's). */
  maxEntries?: Record<string, number>;
  /** Key sizes set before load (the flow maps: 8 bytes for IPv4, the short key for an IPv6 prefix of /64 or less), by map name. */
  keySize?: Record<string, number>;
}

/** Injected for tests; defaults to libbpf/index.ts's wrappers. */
export interface InfoSource {
  progInfo(fd: number): ProgInfo;
  mapInfo(fd: number): MapInfo;
  mapInfoById(id: number): MapInfo | null;
}

const kernelInfo: InfoSource = { progInfo, mapInfo, mapInfoById };

/** libbpf names its global-data maps "<object prefix>.rodata" etc. (truncated to 15 characters). */
function isInternalMapName(name: string): boolean {
  return /\.(rodata|data|bss)(\..*)?$/.test(name);
}

/**
 * Checks a loaded program and its maps. `mapFds` names the maps the collector opened (name -> fd);
 * every map id the program references must be one of them or a libbpf global-data array.
 */
export function checkLoaded(
  progFd: number,
  mapFds: Record<string, number> | ReadonlyMap<string, number>,
  opts: CheckLoadedOptions = {},
  info: InfoSource = kernelInfo,
): LoadedCheck {
  const findings: Finding[] = [];
  const add = (rule: string, section: string, message: string) =>
    findings.push({ rule, section, message: `${rule}: ${message}` });
  const prog = info.progInfo(progFd);
  const where = `program ${prog.name || "?"} (id ${prog.id})`;
  if (prog.type !== BPF_PROG_TYPE_XDP) {
    add(
      "loaded-prog-type",
      "kernel",
      `${where} has program type ${prog.type}, expected XDP (${BPF_PROG_TYPE_XDP})`,
    );
  }
  if (!prog.name.startsWith(MAP_NAME_PREFIX)) {
    add("loaded-prog-name", "kernel", `${where}: name must start with "${MAP_NAME_PREFIX}"`);
  }

  const given = mapFds instanceof Map ? [...mapFds.entries()] : Object.entries(mapFds);
  const byId = new Map<number, { requested: string; info: MapInfo }>();
  // libbpf's global-data maps passed by fd: read through that fd, because opening a map by id
  // (BPF_MAP_GET_FD_BY_ID) needs CAP_SYS_ADMIN, which the collector's service does not have.
  const internalById = new Map<number, MapInfo>();
  for (const [name, fd] of given) {
    const m = info.mapInfo(fd);
    if (isInternalMapName(name)) internalById.set(m.id, m);
    else byId.set(m.id, { requested: name, info: m });
  }
  const maps: MapInfo[] = [];
  for (const id of prog.mapIds) {
    const known = byId.get(id);
    const m = known?.info ?? internalById.get(id) ?? info.mapInfoById(id);
    if (!m) {
      add("loaded-map-set", "kernel", `${where} references map id ${id}, which no longer exists`);
      continue;
    }
    maps.push(m);
    const at = `map ${m.name} (id ${m.id})`;
    if (isInternalMapName(m.name)) {
      // libbpf's own global-data arrays (.rodata/.data/.bss): one entry, read-only/mmap flags only,
      // the size of the section that was verified.
      const section = m.name.slice(m.name.search(/\.(rodata|data|bss)/));
      const declared = opts.object?.maps.find((d) => d.internal && m.name.endsWith(d.name));
      const internalOk =
        m.type === MAP_TYPE.ARRAY &&
        m.maxEntries === 1 &&
        (m.flags & ~ALLOWED_INTERNAL_MAP_FLAGS) === 0 &&
        (!declared || declared.valueSize === m.valueSize);
      if (!internalOk) {
        add(
          "loaded-map-set",
          "kernel",
          `${where} references ${at} (${section}): ${mapTypeName(m.type)}, ${m.maxEntries} entries, ${m.valueSize}-byte value, flags ${mapFlagNames(m.flags)}; a global-data map must be a one-entry array${declared ? ` of ${declared.valueSize} bytes` : ""} with flags within ${mapFlagNames(ALLOWED_INTERNAL_MAP_FLAGS)}`,
        );
      }
      continue;
    }
    if (!known) {
      add(
        "loaded-map-set",
        "kernel",
        `${where} references ${at}: ${mapTypeName(m.type)}, ${m.maxEntries} entries, flags ${mapFlagNames(m.flags)}, which is neither a map the collector opened nor a global-data array`,
      );
      continue;
    }
    if (known.requested !== m.name) {
      add(
        "loaded-map-set",
        "kernel",
        `${at} was opened as "${known.requested}"; the kernel reports a different name`,
      );
    }
    if (!m.name.startsWith(MAP_NAME_PREFIX))
      add("map-name", "kernel", `${at}: name must start with "${MAP_NAME_PREFIX}"`);
    if (!ALLOWED_MAP_TYPES.has(m.type)) {
      add("map-type", "kernel", `${at}: ${mapTypeName(m.type)} (${m.type}) is not allowed`);
    }
    if ((m.flags & ~ALLOWED_MAP_FLAGS) !== 0) {
      add(
        "map-flags",
        "kernel",
        `${at}: map_flags ${mapFlagNames(m.flags)} (0x${m.flags.toString(16)}) not allowed`,
      );
    }
    const declared = opts.object?.maps.find((d) => d.name === m.name && !d.internal);
    const wanted = opts.maxEntries?.[m.name] ?? declared?.maxEntries;
    if (wanted === undefined) {
      add(
        "map-size",
        "kernel",
        `${at}: no requested max_entries to compare with (pass the object result or maxEntries)`,
      );
    } else if (m.maxEntries !== wanted) {
      add("map-size", "kernel", `${at}: max_entries ${m.maxEntries} in the kernel, ${wanted} requested`);
    }
    const wantedKey = opts.keySize?.[m.name] ?? declared?.keySize;
    if (declared && (wantedKey !== m.keySize || declared.valueSize !== m.valueSize)) {
      add(
        "map-definition",
        "kernel",
        `${at}: key/value sizes ${m.keySize}/${m.valueSize} in the kernel, ${wantedKey}/${declared.valueSize} in the verified object`,
      );
    }
    if (declared && declared.type !== m.type) {
      add(
        "map-type",
        "kernel",
        `${at}: ${mapTypeName(m.type)} in the kernel, ${declared.typeName} in the verified object`,
      );
    }
  }
  // A map the collector opened but the program does not use is harmless; one the object declares
  // but the kernel program lacks is not a safety problem either. Only what the program can reach matters.
  return { ok: findings.length === 0, findings, prog, maps };
}
