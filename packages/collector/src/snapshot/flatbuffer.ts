// A minimal FlatBuffers writer: just what the Arrow IPC messages of a snapshot need (tables of scalars,
// strings, tables, vectors of 16-byte structs and vectors of tables). It replaces the apache-arrow library,
// whose only job in the collector was to frame these messages for parquet-wasm, at ~12 MB of RSS.
//
// Layout, front to back: the root offset, then each table preceded by its vtable, then its children in
// field order (so every uoffset points forward, as the format requires). Every scalar sits at an address
// aligned to its size, counted from the start of the buffer; the verifier of the Rust reader checks that.

/** A table field; undefined = absent (the reader takes the schema's default). */
export type FbField =
  | { kind: "u8" | "bool"; value: number }
  | { kind: "i16"; value: number }
  | { kind: "i32"; value: number }
  | { kind: "i64"; value: bigint }
  | FbRef
  | undefined;

export type FbRef =
  | { kind: "table"; fields: FbField[] }
  | { kind: "string"; value: string }
  /** Structs of two int64 each (Arrow's FieldNode and Buffer), as [a0, b0, a1, b1, ...]. */
  | { kind: "pairs"; values: readonly number[] }
  | { kind: "tables"; tables: { kind: "table"; fields: FbField[] }[] };

export const fb = {
  table: (...fields: FbField[]) => ({ kind: "table" as const, fields }),
  u8: (value: number) => ({ kind: "u8" as const, value }),
  bool: (value: boolean) => ({ kind: "bool" as const, value: value ? 1 : 0 }),
  i16: (value: number) => ({ kind: "i16" as const, value }),
  i32: (value: number) => ({ kind: "i32" as const, value }),
  i64: (value: bigint | number) => ({ kind: "i64" as const, value: BigInt(value) }),
  string: (value: string) => ({ kind: "string" as const, value }),
  pairs: (values: readonly number[]) => ({ kind: "pairs" as const, values }),
  tables: (tables: { kind: "table"; fields: FbField[] }[]) => ({ kind: "tables" as const, tables }),
};

const SIZE = { u8: 1, bool: 1, i16: 2, i32: 4, i64: 8 } as const;

/** Serialises `root` as a FlatBuffer whose length is a multiple of 8. */
export function finishFlatBuffer(root: { kind: "table"; fields: FbField[] }): Uint8Array {
  const w = new ByteWriter();
  w.u32(0);
  const at = writeTable(w, root);
  w.view.setUint32(0, at, true);
  w.align(8);
  return w.bytes();
}

class ByteWriter {
  buf = new ArrayBuffer(256);
  view = new DataView(this.buf);
  pos = 0;

  /** n more bytes (zero, never written before) at the end; may move buf and view. */
  reserve(n: number): number {
    if (this.pos + n > this.buf.byteLength) {
      const next = new ArrayBuffer(Math.max(this.buf.byteLength * 2, this.pos + n));
      new Uint8Array(next).set(new Uint8Array(this.buf));
      this.buf = next;
      this.view = new DataView(next);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }
  align(n: number, plus = 0): void {
    // Padding stays zero: reserve() hands out fresh zeroed bytes.
    while ((this.pos + plus) % n !== 0) this.reserve(1);
  }
  u32(v: number): number {
    const at = this.reserve(4);
    this.view.setUint32(at, v, true);
    return at;
  }
  bytes(): Uint8Array {
    return new Uint8Array(this.buf, 0, this.pos).slice();
  }
}

function fieldSize(f: Exclude<FbField, undefined>): number {
  return f.kind in SIZE ? SIZE[f.kind as keyof typeof SIZE] : 4;
}

/** Writes vtable + table + children; returns the table's position. */
function writeTable(w: ByteWriter, t: { fields: FbField[] }): number {
  // Field offsets within the table: the soffset takes bytes 0-3, then the fields largest first, each
  // aligned to its size (the table itself starts 8-aligned).
  const offsets: number[] = t.fields.map(() => 0);
  let cursor = 4;
  for (const size of [8, 4, 2, 1]) {
    t.fields.forEach((f, i) => {
      if (f === undefined || fieldSize(f) !== size) return;
      cursor = Math.ceil(cursor / size) * size;
      offsets[i] = cursor;
      cursor += size;
    });
  }
  const tableSize = Math.ceil(cursor / 4) * 4;
  w.align(2);
  const vt = w.reserve(4 + 2 * t.fields.length);
  w.view.setUint16(vt, 4 + 2 * t.fields.length, true);
  w.view.setUint16(vt + 2, tableSize, true);
  offsets.forEach((o, i) => {
    w.view.setUint16(vt + 4 + 2 * i, o, true);
  });
  w.align(8);
  const table = w.reserve(tableSize);
  w.view.setInt32(table, table - vt, true);
  t.fields.forEach((f, i) => {
    if (f === undefined) return;
    const at = table + offsets[i]!;
    switch (f.kind) {
      case "u8":
      case "bool":
        w.view.setUint8(at, f.value);
        break;
      case "i16":
        w.view.setInt16(at, f.value, true);
        break;
      case "i32":
        w.view.setInt32(at, f.value, true);
        break;
      case "i64":
        w.view.setBigInt64(at, f.value, true);
        break;
    }
  });
  // Children after the table, in field order.
  t.fields.forEach((f, i) => {
    if (f === undefined || fieldSize(f) !== 4 || f.kind === "i32") return;
    const at = table + offsets[i]!;
    const child = writeRef(w, f as FbRef);
    w.view.setUint32(at, child - at, true);
  });
  return table;
}

function writeRef(w: ByteWriter, r: FbRef): number {
  switch (r.kind) {
    case "table":
      return writeTable(w, r);
    case "string": {
      const bytes = new TextEncoder().encode(r.value);
      w.align(4);
      const at = w.u32(bytes.length);
      // reserve() may move the buffer: take the position first.
      const data = w.reserve(bytes.length + 1);
      new Uint8Array(w.buf, data, bytes.length + 1).set([...bytes, 0]);
      return at;
    }
    case "pairs": {
      // The elements (int64) must be 8-aligned: the length word sits just before them.
      w.align(8, 4);
      const at = w.u32(r.values.length / 2);
      for (const v of r.values) {
        const p = w.reserve(8);
        w.view.setBigInt64(p, BigInt(v), true);
      }
      return at;
    }
    case "tables": {
      w.align(4);
      const at = w.u32(r.tables.length);
      const slots = r.tables.map(() => w.u32(0));
      r.tables.forEach((t, i) => {
        const child = writeTable(w, t);
        w.view.setUint32(slots[i]!, child - slots[i]!, true);
      });
      return at;
    }
  }
}
