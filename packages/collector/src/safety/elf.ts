// A minimal ELF64 little-endian reader for BPF relocatable objects: section headers, symbols and
// relocations, read straight from the bytes that will be loaded. Anything malformed throws ElfError
// with the byte offset, so an unreadable object is reported, never half-analysed.

export class ElfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ElfError";
  }
}

export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_REL = 9;
export const SHT_RELA = 4;
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
const EM_BPF = 247;
const ET_REL = 1;

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

export interface ElfSymbol {
  index: number;
  name: string;
  value: number;
  size: number;
  type: number;
  bind: number;
  shndx: number;
}

export interface ElfRelocation {
  /** Byte offset inside the target section. */
  offset: number;
  type: number;
  symbol: number;
  addend?: number;
}

export interface ElfFile {
  bytes: Uint8Array;
  sections: ElfSection[];
  symbols: ElfSymbol[];
  /** Relocations keyed by the index of the section they patch. */
  relocations: Map<number, { section: ElfSection; entries: ElfRelocation[] }>;
  sectionData(section: ElfSection): Uint8Array;
  sectionByName(name: string): ElfSection | undefined;
}

function readCString(bytes: Uint8Array, start: number, limit: number): string {
  let end = start;
  while (end < limit && bytes[end] !== 0) end++;
  if (end >= limit) throw new ElfError(`string at byte ${start} is not NUL-terminated within its table`);
  return new TextDecoder().decode(bytes.subarray(start, end));
}

export function parseElf(bytes: Uint8Array): ElfFile {
  if (bytes.length < 64)
    throw new ElfError(`file is ${bytes.length} bytes, shorter than an ELF64 header (64)`);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError("not an ELF file (bad magic at byte 0)");
  }
  if (bytes[4] !== 2) throw new ElfError(`ELF class ${bytes[4]} at byte 4: expected 2 (ELF64)`);
  if (bytes[5] !== 1)
    throw new ElfError(`ELF data encoding ${bytes[5]} at byte 5: expected 1 (little-endian)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eType = dv.getUint16(16, true);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_BPF) throw new ElfError(`e_machine ${machine} at byte 18: expected ${EM_BPF} (BPF)`);
  if (eType !== ET_REL)
    throw new ElfError(`e_type ${eType} at byte 16: expected ${ET_REL} (relocatable object)`);
  const shoff = Number(dv.getBigUint64(40, true));
  const shentsize = dv.getUint16(58, true);
  const shnum = dv.getUint16(60, true);
  const shstrndx = dv.getUint16(62, true);
  if (shentsize !== 64) throw new ElfError(`e_shentsize ${shentsize} at byte 58: expected 64`);
  if (shoff + shnum * 64 > bytes.length) {
    throw new ElfError(
      `section header table (offset ${shoff}, ${shnum} entries) runs past the end of the file`,
    );
  }
  const raw: Omit<ElfSection, "name">[] = [];
  const nameOffsets: number[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * 64;
    nameOffsets.push(dv.getUint32(at, true));
    const section = {
      index: i,
      type: dv.getUint32(at + 4, true),
      flags: Number(dv.getBigUint64(at + 8, true)),
      offset: Number(dv.getBigUint64(at + 24, true)),
      size: Number(dv.getBigUint64(at + 32, true)),
      link: dv.getUint32(at + 40, true),
      info: dv.getUint32(at + 44, true),
      entsize: Number(dv.getBigUint64(at + 56, true)),
    };
    // NOBITS sections (.bss) occupy no file bytes.
    if (section.type !== 8 && section.offset + section.size > bytes.length) {
      throw new ElfError(
        `section ${i} (offset ${section.offset}, size ${section.size}) runs past the end of the file`,
      );
    }
    raw.push(section);
  }
  // e_shstrndx 0 (SHN_UNDEF): no section name table, every name is empty.
  const shstr = shstrndx === 0 ? undefined : raw[shstrndx];
  if (shstrndx !== 0 && !shstr) throw new ElfError(`e_shstrndx ${shstrndx} does not name a section`);
  const sections: ElfSection[] = raw.map((s, i) => ({
    ...s,
    name: shstr ? readCString(bytes, shstr.offset + (nameOffsets[i] ?? 0), shstr.offset + shstr.size) : "",
  }));

  const sectionData = (s: ElfSection): Uint8Array =>
    s.type === 8 ? new Uint8Array(s.size) : bytes.subarray(s.offset, s.offset + s.size);

  const symbols: ElfSymbol[] = [];
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (symtab) {
    const strtab = sections[symtab.link];
    if (!strtab || strtab.type !== SHT_STRTAB)
      throw new ElfError(`.symtab links to section ${symtab.link}, not a string table`);
    if (symtab.entsize !== 24) throw new ElfError(`.symtab entry size ${symtab.entsize}: expected 24`);
    for (let i = 0; i < symtab.size / 24; i++) {
      const at = symtab.offset + i * 24;
      const info = dv.getUint8(at + 4);
      symbols.push({
        index: i,
        name: readCString(bytes, strtab.offset + dv.getUint32(at, true), strtab.offset + strtab.size),
        type: info & 0xf,
        bind: info >> 4,
        shndx: dv.getUint16(at + 6, true),
        value: Number(dv.getBigUint64(at + 8, true)),
        size: Number(dv.getBigUint64(at + 16, true)),
      });
    }
  }

  const relocations = new Map<number, { section: ElfSection; entries: ElfRelocation[] }>();
  for (const s of sections) {
    if (s.type !== SHT_REL && s.type !== SHT_RELA) continue;
    const entsize = s.type === SHT_REL ? 16 : 24;
    const entries: ElfRelocation[] = [];
    for (let i = 0; i < s.size / entsize; i++) {
      const at = s.offset + i * entsize;
      const rinfo = dv.getBigUint64(at + 8, true);
      const entry: ElfRelocation = {
        offset: Number(dv.getBigUint64(at, true)),
        type: Number(rinfo & 0xffffffffn),
        symbol: Number(rinfo >> 32n),
      };
      if (s.type === SHT_RELA) entry.addend = Number(dv.getBigInt64(at + 16, true));
      if (entry.symbol >= symbols.length) {
        throw new ElfError(
          `${s.name} entry ${i} names symbol ${entry.symbol}, beyond the ${symbols.length} symbols`,
        );
      }
      entries.push(entry);
    }
    const existing = relocations.get(s.info);
    if (existing) existing.entries.push(...entries);
    else relocations.set(s.info, { section: s, entries });
  }

  return {
    bytes,
    sections,
    symbols,
    relocations,
    sectionData,
    sectionByName: (name) => sections.find((s) => s.name === name),
  };
}
