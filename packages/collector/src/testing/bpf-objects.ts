// Builders for the verifier's unit tests: a .BTF blob with BTF-defined maps and a BPF ELF relocatable
// object, so the object layer's rules can be tested on exact, minimal inputs without clang. (The
// corpus and mutant tests in test/ cover what clang really emits.)
import { BTF_KIND } from "../safety/btf.js";
import {
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_WRITE,
  SHT_REL,
  SHT_STRTAB,
  SHT_SYMTAB,
  STT_FUNC,
  STT_OBJECT,
} from "../safety/elf.js";

export class BtfBuilder {
  private strings: string[] = [""];
  private stringOffsets = new Map<string, number>([["", 0]]);
  private strLen = 1;
  private words: number[] = [];
  private count = 0;

  private str(s: string): number {
    const known = this.stringOffsets.get(s);
    if (known !== undefined) return known;
    const off = this.strLen;
    this.strings.push(s);
    this.stringOffsets.set(s, off);
    this.strLen += new TextEncoder().encode(s).length + 1;
    return off;
  }
  /** Appends a type record; returns its id. */
  private type(name: string, kind: number, vlen: number, sizeOrType: number, extra: number[] = []): number {
    this.words.push(this.str(name), ((kind & 0x1f) << 24) | vlen, sizeOrType, ...extra);
    return ++this.count;
  }
  int(name: string, size: number): number {
    return this.type(name, BTF_KIND.INT, 0, size, [size * 8]);
  }
  ptr(to: number): number {
    return this.type("", BTF_KIND.PTR, 0, to);
  }
  array(elem: number, index: number, nelems: number): number {
    return this.type("", BTF_KIND.ARRAY, 0, 0, [elem, index, nelems]);
  }
  typedef(name: string, to: number): number {
    return this.type(name, BTF_KIND.TYPEDEF, 0, to);
  }
  struct(name: string, size: number, members: [string, number, number][]): number {
    const extra = members.flatMap(([n, t, bits]) => [this.str(n), t, bits]);
    return this.type(name, BTF_KIND.STRUCT, members.length, size, extra);
  }
  variable(name: string, type: number): number {
    return this.type(name, BTF_KIND.VAR, 0, type, [1]);
  }
  datasec(name: string, vars: [number, number, number][]): number {
    return this.type(name, BTF_KIND.DATASEC, vars.length, 0, vars.flat());
  }
  raw(kind: number): number {
    return this.type("", kind, 0, 0);
  }
  build(): Uint8Array {
    const types = new Uint8Array(new Uint32Array(this.words).buffer);
    const strs = new TextEncoder().encode(`${this.strings.join("\0")}\0`);
    const out = new Uint8Array(24 + types.length + strs.length);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, 0xeb9f, true);
    dv.setUint8(2, 1);
    dv.setUint32(4, 24, true);
    dv.setUint32(8, 0, true);
    dv.setUint32(12, types.length, true);
    dv.setUint32(16, types.length, true);
    dv.setUint32(20, strs.length, true);
    out.set(types, 24);
    out.set(strs, 24 + types.length);
    return out;
  }
}

export interface MapSpec {
  name: string;
  type: number;
  maxEntries: number;
  flags?: number;
  keySize?: number;
  valueSize?: number;
  extraField?: string;
}

/** BTF with one `struct { __uint(type..); __uint(max_entries..); [__uint(map_flags..)]; __type(key..); __type(value..); }` per map. */
export function mapBtf(maps: MapSpec[]): Uint8Array {
  const b = new BtfBuilder();
  const int = b.int("int", 4);
  const idx = b.int("__ARRAY_SIZE_TYPE__", 4);
  const uint = (n: number) => b.ptr(b.array(int, idx, n));
  const vars: [number, number, number][] = [];
  for (const m of maps) {
    const members: [string, number, number][] = [
      ["type", uint(m.type), 0],
      ["max_entries", uint(m.maxEntries), 64],
      ["key", b.ptr(b.typedef("__u32", b.int("unsigned int", m.keySize ?? 4))), 128],
      ["value", b.ptr(b.struct(`${m.name}_value`, m.valueSize ?? 8, [])), 192],
    ];
    if (m.flags !== undefined) members.push(["map_flags", uint(m.flags), 256]);
    if (m.extraField) members.push([m.extraField, uint(1), 320]);
    const v = b.variable(m.name, b.struct("", 8 * members.length, members));
    vars.push([v, 0, 8 * members.length]);
  }
  b.datasec(".maps", vars);
  return b.build();
}

export interface SectionSpec {
  name: string;
  type?: number;
  flags?: number;
  data: Uint8Array;
}
export interface SymbolSpec {
  name: string;
  /** Section name; undefined = undefined symbol (an extern). */
  section?: string;
  value?: number;
  size?: number;
  type?: number;
  global?: boolean;
}
export interface RelSpec {
  /** Section the relocations patch. */
  target: string;
  entries: { offset: number; symbol: string; type?: number }[];
}

/** Writes an ELF64 little-endian BPF relocatable object. */
export function buildElf(sections: SectionSpec[], symbols: SymbolSpec[], rels: RelSpec[] = []): Uint8Array {
  const strOff = new Map<string, number>();
  let strSize = 0;
  const str = (s: string) => {
    const known = strOff.get(s);
    if (known !== undefined) return known;
    strOff.set(s, strSize);
    strSize += new TextEncoder().encode(s).length + 1;
    return strOff.get(s)!;
  };
  const strings: string[] = [];
  const addStr = (s: string) => {
    if (!strOff.has(s)) strings.push(s);
    return str(s);
  };
  addStr("");
  // Section order: null, .strtab, user sections, .symtab, rel sections.
  const all: {
    name: string;
    type: number;
    flags: number;
    data: Uint8Array;
    link: number;
    info: number;
    entsize: number;
  }[] = [
    { name: "", type: 0, flags: 0, data: new Uint8Array(0), link: 0, info: 0, entsize: 0 },
    { name: ".strtab", type: SHT_STRTAB, flags: 0, data: new Uint8Array(0), link: 0, info: 0, entsize: 0 },
  ];
  for (const s of sections) {
    all.push({
      name: s.name,
      type: s.type ?? 1,
      flags: s.flags ?? 0,
      data: s.data,
      link: 0,
      info: 0,
      entsize: 0,
    });
  }
  const indexOf = (name: string) => all.findIndex((s) => s.name === name);
  const symtabIndex = all.length;
  const symBytes = new Uint8Array(24 * (symbols.length + 1));
  const symDv = new DataView(symBytes.buffer);
  symbols.forEach((y, i) => {
    const at = 24 * (i + 1);
    symDv.setUint32(at, addStr(y.name), true);
    symDv.setUint8(at + 4, ((y.global === false ? 0 : 1) << 4) | (y.type ?? STT_OBJECT));
    symDv.setUint16(at + 6, y.section === undefined ? 0 : indexOf(y.section), true);
    symDv.setBigUint64(at + 8, BigInt(y.value ?? 0), true);
    symDv.setBigUint64(at + 16, BigInt(y.size ?? 0), true);
  });
  all.push({ name: ".symtab", type: SHT_SYMTAB, flags: 0, data: symBytes, link: 1, info: 1, entsize: 24 });
  for (const r of rels) {
    const bytes = new Uint8Array(16 * r.entries.length);
    const dv = new DataView(bytes.buffer);
    r.entries.forEach((e, i) => {
      const sym = symbols.findIndex((y) => y.name === e.symbol) + 1;
      dv.setBigUint64(16 * i, BigInt(e.offset), true);
      dv.setBigUint64(16 * i + 8, (BigInt(sym) << 32n) | BigInt(e.type ?? 1), true);
    });
    all.push({
      name: `.rel${r.target}`,
      type: SHT_REL,
      flags: 0,
      data: bytes,
      link: symtabIndex,
      info: indexOf(r.target),
      entsize: 16,
    });
  }
  for (const s of all) addStr(s.name);
  all[1]!.data = new TextEncoder().encode(`${strings.join("\0")}\0`);

  let offset = 64;
  const offsets: number[] = [];
  for (const s of all) {
    offset = Math.ceil(offset / 8) * 8;
    offsets.push(offset);
    offset += s.data.length;
  }
  const shoff = Math.ceil(offset / 8) * 8;
  const out = new Uint8Array(shoff + 64 * all.length);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  dv.setUint16(16, 1, true);
  dv.setUint16(18, 247, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(40, BigInt(shoff), true);
  dv.setUint16(52, 64, true);
  dv.setUint16(58, 64, true);
  dv.setUint16(60, all.length, true);
  dv.setUint16(62, 1, true);
  all.forEach((s, i) => {
    out.set(s.data, offsets[i]!);
    const at = shoff + 64 * i;
    dv.setUint32(at, str(s.name), true);
    dv.setUint32(at + 4, s.type, true);
    dv.setBigUint64(at + 8, BigInt(s.flags), true);
    dv.setBigUint64(at + 24, BigInt(offsets[i]!), true);
    dv.setBigUint64(at + 32, BigInt(s.data.length), true);
    dv.setUint32(at + 40, s.link, true);
    dv.setUint32(at + 44, s.info, true);
    dv.setBigUint64(at + 48, 8n, true);
    dv.setBigUint64(at + 56, BigInt(s.entsize), true);
  });
  return out;
}

/** Section flags of a program section, of .maps and of .rodata. */
export const CODE = SHF_ALLOC | SHF_EXECINSTR;
export const DATA = SHF_ALLOC | SHF_WRITE;
export const RODATA = SHF_ALLOC;
export { STT_FUNC, STT_OBJECT };
