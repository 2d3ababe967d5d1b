// BTF reader: just enough of the type graph to read BTF-defined maps from the `.maps` DATASEC.
// libbpf's __uint(name, N) macro encodes N as `int (*name)[N]`, so a map's type, max_entries and
// flags are array lengths behind pointers; __type(key, T) is a `T *` whose size we resolve.

export class BtfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BtfError";
  }
}

export const BTF_KIND = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

export interface BtfMember {
  name: string;
  type: number;
  offset: number;
}

export interface BtfType {
  id: number;
  /** Byte offset of the type record inside the .BTF section (for tests that patch it). */
  at: number;
  kind: number;
  name: string;
  vlen: number;
  /** size for INT/STRUCT/UNION/ENUM/DATASEC/FLOAT; referenced type id for PTR/TYPEDEF/VAR/... */
  sizeOrType: number;
  members: BtfMember[];
  array?: { type: number; indexType: number; nelems: number };
}

export interface Btf {
  types: BtfType[];
  byId(id: number): BtfType | undefined;
  /** The named DATASEC, e.g. ".maps". */
  datasec(name: string): { vars: { type: number; offset: number; size: number }[] } | undefined;
  /** Skips typedefs and qualifiers. */
  resolve(id: number): BtfType | undefined;
  sizeOf(id: number): number | undefined;
}

export function parseBtf(data: Uint8Array): Btf {
  if (data.length < 24) throw new BtfError(`.BTF is ${data.length} bytes, shorter than its header`);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = dv.getUint16(0, true);
  if (magic !== 0xeb9f)
    throw new BtfError(`.BTF magic 0x${magic.toString(16)}: expected 0xeb9f (little-endian)`);
  const hdrLen = dv.getUint32(4, true);
  const typeOff = dv.getUint32(8, true);
  const typeLen = dv.getUint32(12, true);
  const strOff = dv.getUint32(16, true);
  const strLen = dv.getUint32(20, true);
  const typesStart = hdrLen + typeOff;
  const typesEnd = typesStart + typeLen;
  const strStart = hdrLen + strOff;
  if (typesEnd > data.length || strStart + strLen > data.length) {
    throw new BtfError(
      `.BTF header points past the section (types end ${typesEnd}, strings end ${strStart + strLen}, size ${data.length})`,
    );
  }
  const decoder = new TextDecoder();
  const str = (off: number): string => {
    if (off >= strLen)
      throw new BtfError(`.BTF string offset ${off} beyond the string table (${strLen} bytes)`);
    let end = strStart + off;
    const limit = strStart + strLen;
    while (end < limit && data[end] !== 0) end++;
    return decoder.decode(data.subarray(strStart + off, end));
  };

  const types: BtfType[] = [{ id: 0, at: 0, kind: 0, name: "void", vlen: 0, sizeOrType: 0, members: [] }];
  let at = typesStart;
  const need = (n: number) => {
    if (at + n > typesEnd) throw new BtfError(`.BTF type ${types.length} truncated at byte ${at}`);
  };
  while (at < typesEnd) {
    need(12);
    const info = dv.getUint32(at + 4, true);
    const t: BtfType = {
      id: types.length,
      at,
      name: str(dv.getUint32(at, true)),
      kind: (info >>> 24) & 0x1f,
      vlen: info & 0xffff,
      sizeOrType: dv.getUint32(at + 8, true),
      members: [],
    };
    at += 12;
    switch (t.kind) {
      case BTF_KIND.INT:
      case BTF_KIND.VAR:
      case BTF_KIND.DECL_TAG:
        need(4);
        at += 4;
        break;
      case BTF_KIND.ARRAY:
        need(12);
        t.array = {
          type: dv.getUint32(at, true),
          indexType: dv.getUint32(at + 4, true),
          nelems: dv.getUint32(at + 8, true),
        };
        at += 12;
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
        need(12 * t.vlen);
        for (let i = 0; i < t.vlen; i++) {
          t.members.push({
            name: str(dv.getUint32(at, true)),
            type: dv.getUint32(at + 4, true),
            offset: dv.getUint32(at + 8, true),
          });
          at += 12;
        }
        break;
      case BTF_KIND.ENUM:
        need(8 * t.vlen);
        at += 8 * t.vlen;
        break;
      case BTF_KIND.ENUM64:
        need(12 * t.vlen);
        at += 12 * t.vlen;
        break;
      case BTF_KIND.FUNC_PROTO:
        need(8 * t.vlen);
        at += 8 * t.vlen;
        break;
      case BTF_KIND.DATASEC:
        need(12 * t.vlen);
        for (let i = 0; i < t.vlen; i++) {
          // Reuse members: name unused, type = VAR id, offset = byte offset; size kept in a parallel field.
          t.members.push({
            name: String(dv.getUint32(at + 8, true)),
            type: dv.getUint32(at, true),
            offset: dv.getUint32(at + 4, true),
          });
          at += 12;
        }
        break;
      case BTF_KIND.PTR:
      case BTF_KIND.FWD:
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.FUNC:
      case BTF_KIND.FLOAT:
      case BTF_KIND.TYPE_TAG:
        break;
      default:
        throw new BtfError(`.BTF type ${t.id} has unknown kind ${t.kind}`);
    }
    types.push(t);
  }

  const byId = (id: number) => types[id];
  const resolve = (id: number): BtfType | undefined => {
    let t = types[id];
    for (let hops = 0; t && hops < 32; hops++) {
      if (
        t.kind === BTF_KIND.TYPEDEF ||
        t.kind === BTF_KIND.VOLATILE ||
        t.kind === BTF_KIND.CONST ||
        t.kind === BTF_KIND.RESTRICT ||
        t.kind === BTF_KIND.TYPE_TAG
      ) {
        t = types[t.sizeOrType];
      } else return t;
    }
    return undefined;
  };
  const sizeOf = (id: number, depth = 0): number | undefined => {
    if (depth > 32) return undefined;
    const t = resolve(id);
    if (!t) return undefined;
    switch (t.kind) {
      case BTF_KIND.INT:
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
      case BTF_KIND.FLOAT:
        return t.sizeOrType;
      case BTF_KIND.PTR:
        return 8;
      case BTF_KIND.ARRAY: {
        const elem = t.array ? sizeOf(t.array.type, depth + 1) : undefined;
        return elem === undefined || !t.array ? undefined : elem * t.array.nelems;
      }
      default:
        return undefined;
    }
  };
  return {
    types,
    byId,
    resolve,
    sizeOf: (id) => sizeOf(id),
    datasec: (name) => {
      const sec = types.find((t) => t.kind === BTF_KIND.DATASEC && t.name === name);
      if (!sec) return undefined;
      return { vars: sec.members.map((m) => ({ type: m.type, offset: m.offset, size: Number(m.name) })) };
    },
  };
}

/** A map as declared in `.maps`: every field libbpf reads, undefined when the definition omits it. */
export interface BtfMapDef {
  name: string;
  /** Offset recorded in the DATASEC: a placeholder in an unlinked object (libbpf fixes it up from the symbols). */
  offset: number;
  type?: number;
  maxEntries?: number;
  mapFlags?: number;
  keySize?: number;
  valueSize?: number;
  /** Fields present that are not among the ones above (e.g. pinning, values, inner map). */
  otherFields: string[];
}

/** Reads every map definition of the `.maps` DATASEC. */
export function btfMapDefs(btf: Btf): BtfMapDef[] {
  const sec = btf.datasec(".maps");
  if (!sec) return [];
  const defs: BtfMapDef[] = [];
  for (const v of sec.vars) {
    const variable = btf.byId(v.type);
    if (!variable || variable.kind !== BTF_KIND.VAR) {
      throw new BtfError(`.maps DATASEC entry at offset ${v.offset} is not a variable (type ${v.type})`);
    }
    const struct = btf.resolve(variable.sizeOrType);
    if (!struct || struct.kind !== BTF_KIND.STRUCT) {
      throw new BtfError(
        `map ${variable.name}: definition is not a struct (BTF type ${variable.sizeOrType})`,
      );
    }
    const def: BtfMapDef = { name: variable.name, offset: v.offset, otherFields: [] };
    for (const m of struct.members) {
      const uintValue = (): number => {
        const ptr = btf.resolve(m.type);
        const arr = ptr && ptr.kind === BTF_KIND.PTR ? btf.resolve(ptr.sizeOrType) : undefined;
        if (!arr || arr.kind !== BTF_KIND.ARRAY || !arr.array) {
          throw new BtfError(`map ${variable.name}: field ${m.name} is not an __uint() (pointer to array)`);
        }
        return arr.array.nelems;
      };
      const pointeeSize = (): number | undefined => {
        const ptr = btf.resolve(m.type);
        if (!ptr || ptr.kind !== BTF_KIND.PTR) {
          throw new BtfError(`map ${variable.name}: field ${m.name} is not a __type() (pointer)`);
        }
        return btf.sizeOf(ptr.sizeOrType);
      };
      switch (m.name) {
        case "type":
          def.type = uintValue();
          break;
        case "max_entries":
          def.maxEntries = uintValue();
          break;
        case "map_flags":
          def.mapFlags = uintValue();
          break;
        case "key_size":
          def.keySize = uintValue();
          break;
        case "value_size":
          def.valueSize = uintValue();
          break;
        case "key":
          def.keySize = pointeeSize();
          break;
        case "value":
          def.valueSize = pointeeSize();
          break;
        default:
          def.otherFields.push(m.name);
      }
    }
    defs.push(def);
  }
  return defs;
}
