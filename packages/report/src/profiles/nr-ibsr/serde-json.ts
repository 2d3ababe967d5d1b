// serde_json's pretty printer (2-space indent, `"k": v`, `[]`/`{}` when empty), with the float/integer split
// Rust keeps and JS loses: an f64 field prints "100.0" while a u64 field prints "100". Floats are therefore
// wrapped in F64 so the writer knows which rule applies.
import { formatSerdeFloat } from "./rust-format.js";

/** An f64 value: serialised with serde_json's float layout. */
export class F64 {
  constructor(readonly value: number) {}
}

export const f64 = (value: number): F64 => new F64(value);

export type JsonValue = null | boolean | string | bigint | number | F64 | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** serde_json string escaping: `"`, `\`, \b \f \n \r \t, other C0 controls as \u00xx; nothing else. */
export function escapeJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c < 0x20) out += `\\u00${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

function write(v: JsonValue, indent: string): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return escapeJsonString(v);
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") {
    // Plain numbers stand for Rust integers; a fraction here is a programming error, not data.
    if (!Number.isSafeInteger(v))
      throw new TypeError(`serde-json: ${v} is not an integer; wrap floats in f64()`);
    return String(v);
  }
  if (v instanceof F64) return formatSerdeFloat(v.value);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return `[\n${v.map((x) => inner + write(x, inner)).join(",\n")}\n${indent}]`;
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return "{}";
  return `{\n${keys.map((k) => `${inner}${escapeJsonString(k)}: ${write(v[k]!, inner)}`).join(",\n")}\n${indent}}`;
}

/** `serde_json::to_string_pretty(v)` (no trailing newline). */
export function toPrettyJson(v: JsonValue): string {
  return write(v, "");
}
