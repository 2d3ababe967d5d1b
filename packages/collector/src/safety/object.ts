// The object layer: the proof. It reads the exact bytes the collector will hand to
// bpf_object__open_mem and checks the program's structure, its bytecode, its relocations and its
// maps against the allowlists in policy.ts. No root, no kernel: pure reading of ELF, BTF and BPF.
import { ARRAY_KEY_SIZE } from "@ibsr/contract";
import { analyzeProgram, type RelocTarget } from "./analyze.js";
import { type BtfMapDef, btfMapDefs, parseBtf } from "./btf.js";
import {
  ElfError,
  type ElfFile,
  parseElf,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHN_UNDEF,
  STT_FUNC,
  STT_OBJECT,
  STT_SECTION,
} from "./elf.js";
import type { Finding } from "./findings.js";
import { decodeInsns, disassemble, type Insn, InsnDecodeError } from "./insn.js";
import {
  ALLOWED_MAP_FLAGS,
  ALLOWED_MAP_TYPES,
  DEFAULT_MAX_ENTRIES_LIMIT,
  isGlobalDataSection,
  MAP_NAME_PREFIX,
  mapFlagNames,
  mapTypeName,
} from "./policy.js";

/** The object could not be read at all (not ELF, truncated, corrupt BTF): neither safe nor unsafe. */
export class UnreadableObjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnreadableObjectError";
  }
}

export const PROGRAM_SECTION = "xdp";
const R_BPF_64_64 = 1;

export interface MapSummary {
  name: string;
  type: number | undefined;
  typeName: string;
  keySize: number | undefined;
  valueSize: number | undefined;
  maxEntries: number | undefined;
  flags: number;
  /** true for .rodata/.data/.bss, which libbpf turns into array maps. */
  internal: boolean;
}

export interface ProgramSummary {
  name: string;
  section: string;
  insns: number;
  reachable: number;
  exits: number;
  helpers: number[];
}

export interface VerifyResult {
  ok: boolean;
  findings: Finding[];
  maps: MapSummary[];
  program: ProgramSummary | undefined;
}

export interface VerifyObjectOptions {
  /** Upper bound for every map's max_entries (default DEFAULT_MAX_ENTRIES_LIMIT). */
  maxEntriesLimit?: number;
}

/** Verifies a compiled BPF object. Throws UnreadableObjectError when the bytes are not a readable BPF ELF. */
export function verifyObject(bytes: Uint8Array, opts: VerifyObjectOptions = {}): VerifyResult {
  let elf: ElfFile;
  try {
    elf = parseElf(bytes);
  } catch (err) {
    if (err instanceof ElfError) throw new UnreadableObjectError(`not a readable BPF object: ${err.message}`);
    throw err;
  }
  const findings: Finding[] = [];
  const add = (rule: string, section: string, message: string, insn?: number) => {
    const f: Finding = { rule, section, message: `${rule}: ${message}` };
    if (insn !== undefined) f.insn = insn;
    findings.push(f);
  };

  // --- Maps, from BTF.
  const mapsSection = elf.sectionByName(".maps");
  let mapDefs: BtfMapDef[] = [];
  const btfSection = elf.sectionByName(".BTF");
  if (btfSection) {
    try {
      mapDefs = btfMapDefs(parseBtf(elf.sectionData(btfSection)));
    } catch (err) {
      throw new UnreadableObjectError(`.BTF: ${(err as Error).message}`);
    }
  } else if (mapsSection && mapsSection.size > 0) {
    add(
      "map-definition",
      ".maps",
      "the object has a .maps section but no .BTF: map types and sizes cannot be read (compile with -g)",
    );
  }
  if (elf.sectionByName("maps")) {
    add(
      "map-definition",
      "maps",
      'legacy `maps` section (struct bpf_map_def) is not allowed: declare maps in SEC(".maps") with BTF',
    );
  }
  const limit = opts.maxEntriesLimit ?? DEFAULT_MAX_ENTRIES_LIMIT;
  const badMaps = new Set<string>();
  const maps: MapSummary[] = [];
  for (const def of mapDefs) {
    const at = `map ${def.name}`;
    const before = findings.length;
    if (!def.name.startsWith(MAP_NAME_PREFIX)) {
      add(
        "map-name",
        ".maps",
        `${at}: name must start with "${MAP_NAME_PREFIX}" so bpftool shows it as IBSR's`,
      );
    }
    if (def.name.length > 15) {
      add(
        "map-name",
        ".maps",
        `${at}: name is ${def.name.length} characters; the kernel keeps 15, so bpftool would show it truncated`,
      );
    }
    if (def.type === undefined) add("map-definition", ".maps", `${at}: no type field`);
    else if (!ALLOWED_MAP_TYPES.has(def.type)) {
      add(
        "map-type",
        ".maps",
        `${at}: ${mapTypeName(def.type)} (${def.type}) is not allowed; allowed: ${[...ALLOWED_MAP_TYPES].map(mapTypeName).join(", ")}`,
      );
    }
    const flags = def.mapFlags ?? 0;
    if ((flags & ~ALLOWED_MAP_FLAGS) !== 0) {
      add(
        "map-flags",
        ".maps",
        `${at}: map_flags ${mapFlagNames(flags)} (0x${flags.toString(16)}) not allowed; no flags may be set`,
      );
    }
    if (def.maxEntries === undefined || def.maxEntries < 1 || def.maxEntries > limit) {
      add(
        "map-size",
        ".maps",
        `${at}: max_entries ${def.maxEntries ?? "missing"}: must be between 1 and ${limit}`,
      );
    }
    if (def.keySize === undefined || def.valueSize === undefined) {
      add("map-definition", ".maps", `${at}: key or value size unreadable from BTF`);
    }
    if (def.otherFields.length > 0) {
      add(
        "map-definition",
        ".maps",
        `${at}: fields ${def.otherFields.join(", ")} are not allowed (only type, key, value, max_entries, map_flags)`,
      );
    }
    if (findings.length > before) badMaps.add(def.name);
    maps.push({
      name: def.name,
      type: def.type,
      typeName: def.type === undefined ? "?" : mapTypeName(def.type),
      keySize: def.keySize,
      valueSize: def.valueSize,
      maxEntries: def.maxEntries,
      flags,
      internal: false,
    });
  }
  // Every object in .maps must have a BTF definition we read (libbpf would create it regardless).
  if (mapsSection) {
    for (const sym of elf.symbols) {
      if (
        sym.shndx === mapsSection.index &&
        sym.type === STT_OBJECT &&
        !mapDefs.some((d) => d.name === sym.name)
      ) {
        add("map-definition", ".maps", `map ${sym.name}: no BTF definition in the .maps DATASEC`);
      }
    }
  }
  for (const s of elf.sections) {
    if (isGlobalDataSection(s.name) && s.flags & SHF_ALLOC && s.size > 0) {
      maps.push({
        name: s.name,
        type: 2,
        typeName: mapTypeName(2),
        keySize: ARRAY_KEY_SIZE,
        valueSize: s.size,
        maxEntries: 1,
        flags: 0,
        internal: true,
      });
    }
  }

  // --- Programs: one executable section, named xdp, holding one function.
  const codeSections = elf.sections.filter((s) => s.flags & SHF_EXECINSTR && s.size > 0);
  for (const s of codeSections) {
    if (s.name !== PROGRAM_SECTION) {
      const fns = elf.symbols.filter((y) => y.shndx === s.index && y.type === STT_FUNC).map((y) => y.name);
      add(
        "single-program",
        s.name,
        `section ${s.name} holds code${fns.length ? ` (${fns.join(", ")})` : ""}; only one program, in section "${PROGRAM_SECTION}", is allowed (no subprograms, no second program)`,
      );
    }
  }
  if (codeSections.filter((s) => s.name === PROGRAM_SECTION).length > 1) {
    add(
      "single-program",
      PROGRAM_SECTION,
      `more than one section is named "${PROGRAM_SECTION}"; exactly one program is allowed`,
    );
  }
  const progSection = elf.sectionByName(PROGRAM_SECTION);
  let program: ProgramSummary | undefined;
  if (!progSection || !(progSection.flags & SHF_EXECINSTR) || progSection.size === 0) {
    add(
      "single-program",
      PROGRAM_SECTION,
      `no executable section "${PROGRAM_SECTION}": the object has no XDP program`,
    );
  } else {
    const fns = elf.symbols.filter((y) => y.shndx === progSection.index && y.type === STT_FUNC);
    if (fns.length !== 1) {
      add(
        "single-program",
        PROGRAM_SECTION,
        `section ${PROGRAM_SECTION} holds ${fns.length} programs (${fns.map((f) => f.name).join(", ")}); exactly one is allowed`,
      );
    }
    let insns: Insn[];
    try {
      insns = decodeInsns(elf.sectionData(progSection));
    } catch (err) {
      if (err instanceof InsnDecodeError)
        throw new UnreadableObjectError(`section ${PROGRAM_SECTION}: ${err.message}`);
      throw err;
    }
    const relocs = checkRelocations(elf, progSection.index, insns, mapDefs, badMaps, add);
    const entries = fns.length > 0 ? fns.map((f) => f.value / 8) : [0];
    const result = analyzeProgram({ section: PROGRAM_SECTION, insns, relocs, entries });
    findings.push(...result.findings);
    program = {
      name: fns[0]?.name ?? "?",
      section: PROGRAM_SECTION,
      insns: insns.length,
      reachable: result.reachable,
      exits: result.exits,
      helpers: result.helpers,
    };
    if (result.exits === 0) add("exit-returns-pass", PROGRAM_SECTION, "no reachable exit instruction");
  }

  // CO-RE relocations let libbpf rewrite instruction offsets and immediates at load time, after this
  // check: an object with any is refused (the program reads only UAPI structs and needs none).
  const btfExt = elf.sectionByName(".BTF.ext");
  if (btfExt) {
    const coreLen = btfExtCoreReloLen(elf.sectionData(btfExt));
    if (coreLen === undefined) throw new UnreadableObjectError(".BTF.ext: header unreadable");
    if (coreLen > 0) {
      add(
        "no-core-reloc",
        ".BTF.ext",
        `${coreLen} bytes of CO-RE relocations: libbpf would patch instructions after verification (drop __builtin_preserve_access_index / BPF_CORE_READ)`,
      );
    }
  }

  // Relocations into other allocated sections (e.g. .rel.maps filling a prog array) are not allowed.
  for (const [target, rel] of elf.relocations) {
    const s = elf.sections[target];
    if (!s || s.index === progSection?.index || !(s.flags & SHF_ALLOC)) continue;
    add(
      "reloc-allowed-map",
      rel.section.name,
      `${rel.entries.length} relocation(s) patch section ${s.name}; only the program's map references may be relocated (map-in-map or prog-array initialisers are not allowed)`,
    );
  }

  findings.sort((a, b) => ruleOrder(a) - ruleOrder(b));
  return { ok: findings.length === 0, findings, maps, program };
}

function ruleOrder(f: Finding): number {
  return (f.section === PROGRAM_SECTION ? 0 : 1e9) + (f.insn ?? -1);
}

function checkRelocations(
  elf: ElfFile,
  progIndex: number,
  insns: Insn[],
  mapDefs: BtfMapDef[],
  badMaps: Set<string>,
  add: (rule: string, section: string, message: string, insn?: number) => void,
): Map<number, RelocTarget> {
  const out = new Map<number, RelocTarget>();
  const rel = elf.relocations.get(progIndex);
  if (!rel) return out;
  const byIndex = new Map(insns.map((i) => [i.index, i]));
  const mapsIndex = elf.sectionByName(".maps")?.index;
  // Relocations against a section symbol carry the offset in the instruction; name the function there.
  const funcAt = (shndx: number, offset: number): string | undefined =>
    elf.symbols.find((y) => y.shndx === shndx && y.type === STT_FUNC && y.value === offset)?.name;
  for (const r of rel.entries) {
    const index = r.offset / 8;
    const insn = Number.isInteger(index) ? byIndex.get(index) : undefined;
    const sym = elf.symbols[r.symbol];
    const symName = sym?.name || (sym ? elf.sections[sym.shndx]?.name : undefined) || `#${r.symbol}`;
    const at = insn
      ? `${PROGRAM_SECTION} insn ${index} (${disassemble(insn)})`
      : `${PROGRAM_SECTION} byte ${r.offset}`;
    const fail = (why: string) =>
      add(
        "reloc-allowed-map",
        PROGRAM_SECTION,
        `${at}: relocation to ${symName}: ${why}`,
        insn ? index : undefined,
      );
    const isCall = insn !== undefined && (insn.cls === 5 || insn.cls === 6) && (insn.opcode & 0xf0) === 0x80;
    if (isCall && sym) {
      // The call rules (no-subprog-call, no-kfunc) report it with the callee's name.
      const name = sym.name || funcAt(sym.shndx, (insn.imm + 1) * 8) || symName;
      out.set(index, { kind: "call", name, extern: sym.shndx === SHN_UNDEF });
      continue;
    }
    if (insn?.opcode !== 0x18 || insn.src !== 0) {
      fail("only ld_imm64 map references may be relocated");
      continue;
    }
    if (r.type !== R_BPF_64_64) {
      fail(`relocation type ${r.type} is not R_BPF_64_64`);
      continue;
    }
    if (!sym || sym.shndx === SHN_UNDEF || sym.shndx >= 0xff00) {
      fail("the symbol is not defined in this object (extern, kconfig or ksym)");
      continue;
    }
    const section = elf.sections[sym.shndx];
    if (sym.shndx === mapsIndex) {
      // BTF DATASEC offsets in an unlinked object are placeholders (libbpf fixes them up from the
      // symbols), so maps are matched by name.
      const def = sym.type === STT_SECTION ? undefined : mapDefs.find((d) => d.name === sym.name);
      if (!def) {
        fail("no BTF map definition of that name in .maps");
        continue;
      }
      if (badMaps.has(def.name)) {
        fail(`map ${def.name} is not an allowed map (see the map findings)`);
        continue;
      }
      out.set(index, { kind: "map", name: def.name });
    } else if (section && section.flags & SHF_EXECINSTR) {
      add(
        "no-callback",
        PROGRAM_SECTION,
        `${at}: loads the address of ${sym.name || funcAt(sym.shndx, insn.imm) || "code"} in ${section.name}: a callback function pointer; callbacks are not allowed`,
        index,
      );
    } else if (section && isGlobalDataSection(section.name)) {
      out.set(index, { kind: "global_data", section: section.name });
    } else {
      fail(`section ${section?.name ?? sym.shndx} is neither .maps nor this object's .rodata/.data/.bss`);
    }
  }
  return out;
}

/** Length of the CO-RE relocation block of .BTF.ext (0 when the header predates it), or undefined if unreadable. */
function btfExtCoreReloLen(data: Uint8Array): number | undefined {
  if (data.length < 24) return undefined;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (dv.getUint16(0, true) !== 0xeb9f) return undefined;
  const hdrLen = dv.getUint32(4, true);
  if (hdrLen < 32) return 0; // func_info and line_info only
  if (data.length < 32) return undefined;
  return dv.getUint32(28, true);
}
