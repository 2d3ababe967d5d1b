// A JSON reader with serde_json's strictness and without JSON.parse's losses: numbers keep their source
// text (u64 counters may exceed 2^53, and "1300.0" must stay distinguishable from "1300"), members keep
// their order and duplicates, and only serde_json's four whitespace characters are accepted.

export type RawJson =
  | { t: "null" }
  | { t: "bool"; v: boolean }
  | { t: "num"; text: string; integer: boolean }
  | { t: "str"; v: string }
  | { t: "arr"; items: RawJson[] }
  | { t: "obj"; members: [string, RawJson][] };

/** A syntax error with serde_json's 1-based line/column position. */
export class JsonSyntaxError extends Error {
  override name = "JsonSyntaxError";
}

const MAX_DEPTH = 128; // serde_json's default recursion limit

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

class Reader {
  pos = 0;
  constructor(readonly s: string) {}

  fail(what: string, at = this.pos): never {
    let line = 1;
    let col = 1;
    for (let i = 0; i < at && i < this.s.length; i++) {
      if (this.s[i] === "\n") {
        line++;
        col = 1;
      } else col++;
    }
    throw new JsonSyntaxError(`${what} at line ${line} column ${col}`);
  }

  ws(): void {
    for (;;) {
      const c = this.s[this.pos];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") this.pos++;
      else return;
    }
  }

  value(depth: number): RawJson {
    this.ws();
    const c = this.s[this.pos];
    if (c === undefined) this.fail("EOF while parsing a value");
    if (c === "{") return this.object(depth + 1);
    if (c === "[") return this.array(depth + 1);
    if (c === '"') return { t: "str", v: this.string() };
    if (c === "-" || (c >= "0" && c <= "9")) return this.number();
    for (const [word, v] of [
      ["null", { t: "null" }],
      ["true", { t: "bool", v: true }],
      ["false", { t: "bool", v: false }],
    ] as const) {
      if (this.s.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    return this.fail("expected value");
  }

  object(depth: number): RawJson {
    if (depth > MAX_DEPTH) this.fail("recursion limit exceeded");
    this.pos++;
    const members: [string, RawJson][] = [];
    this.ws();
    if (this.s[this.pos] === "}") {
      this.pos++;
      return { t: "obj", members };
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail("key must be a string");
      const key = this.string();
      this.ws();
      if (this.s[this.pos] !== ":") this.fail("expected `:`");
      this.pos++;
      members.push([key, this.value(depth)]);
      this.ws();
      const c = this.s[this.pos];
      if (c === ",") {
        this.pos++;
        this.ws();
        if (this.s[this.pos] === "}") this.fail("trailing comma");
        continue;
      }
      if (c === "}") {
        this.pos++;
        return { t: "obj", members };
      }
      this.fail(c === undefined ? "EOF while parsing an object" : "expected `,` or `}`");
    }
  }

  array(depth: number): RawJson {
    if (depth > MAX_DEPTH) this.fail("recursion limit exceeded");
    this.pos++;
    const items: RawJson[] = [];
    this.ws();
    if (this.s[this.pos] === "]") {
      this.pos++;
      return { t: "arr", items };
    }
    for (;;) {
      items.push(this.value(depth));
      this.ws();
      const c = this.s[this.pos];
      if (c === ",") {
        this.pos++;
        this.ws();
        if (this.s[this.pos] === "]") this.fail("trailing comma");
        continue;
      }
      if (c === "]") {
        this.pos++;
        return { t: "arr", items };
      }
      this.fail(c === undefined ? "EOF while parsing a list" : "expected `,` or `]`");
    }
  }

  number(): RawJson {
    const start = this.pos;
    const digits = (): number => {
      const from = this.pos;
      while (this.s[this.pos]! >= "0" && this.s[this.pos]! <= "9") this.pos++;
      return this.pos - from;
    };
    if (this.s[this.pos] === "-") this.pos++;
    if (this.s[this.pos] === "0") {
      this.pos++;
      if (this.s[this.pos]! >= "0" && this.s[this.pos]! <= "9") this.fail("invalid number");
    } else if (digits() === 0) this.fail("invalid number");
    let integer = true;
    if (this.s[this.pos] === ".") {
      this.pos++;
      integer = false;
      if (digits() === 0) this.fail("invalid number");
    }
    const e = this.s[this.pos];
    if (e === "e" || e === "E") {
      this.pos++;
      integer = false;
      if (this.s[this.pos] === "+" || this.s[this.pos] === "-") this.pos++;
      if (digits() === 0) this.fail("invalid number");
    }
    return { t: "num", text: this.s.slice(start, this.pos), integer };
  }

  string(): string {
    this.pos++;
    let out = "";
    for (;;) {
      const c = this.s[this.pos];
      if (c === undefined) this.fail("EOF while parsing a string");
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c.charCodeAt(0) < 0x20)
        this.fail("control character (\\u0000-\\u001F) found while parsing a string");
      if (c !== "\\") {
        // A lone surrogate cannot come from UTF-8 text, so code units can be copied as they are.
        out += c;
        this.pos++;
        continue;
      }
      const esc = this.s[this.pos + 1];
      this.pos += 2;
      if (esc !== undefined && esc in SIMPLE_ESCAPES) {
        out += SIMPLE_ESCAPES[esc];
        continue;
      }
      if (esc !== "u") this.fail("invalid escape", this.pos - 1);
      const hi = this.hex4();
      if (hi >= 0xdc00 && hi <= 0xdfff) this.fail("lone trailing surrogate in hex escape");
      if (hi >= 0xd800 && hi <= 0xdbff) {
        if (this.s[this.pos] !== "\\" || this.s[this.pos + 1] !== "u")
          this.fail("lone leading surrogate in hex escape");
        this.pos += 2;
        const lo = this.hex4();
        if (lo < 0xdc00 || lo > 0xdfff) this.fail("lone leading surrogate in hex escape");
        out += String.fromCharCode(hi, lo);
      } else out += String.fromCharCode(hi);
    }
  }

  hex4(): number {
    const h = this.s.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) this.fail("invalid escape");
    this.pos += 4;
    return Number.parseInt(h, 16);
  }
}

/** Parses one complete JSON text; trailing characters other than whitespace are an error. */
export function parseStrictJson(text: string): RawJson {
  const r = new Reader(text);
  const v = r.value(0);
  r.ws();
  if (r.pos < text.length) r.fail("trailing characters");
  return v;
}

/** The JSON type name serde uses in "invalid type" messages. */
export function describeRaw(v: RawJson): string {
  switch (v.t) {
    case "null":
      return "null";
    case "bool":
      return `boolean \`${v.v}\``;
    case "num":
      return v.integer ? `integer \`${v.text}\`` : `floating point \`${v.text}\``;
    case "str":
      return `string ${JSON.stringify(v.v)}`;
    case "arr":
      return "sequence";
    case "obj":
      return "map";
  }
}

/** An unsigned integer field: rejects floats ("1300.0"), negatives and values above `max`. */
export function rawUnsigned(v: RawJson, field: string, max: bigint): bigint {
  if (v.t !== "num" || !v.integer || v.text.startsWith("-")) {
    throw new TypeError(`${field}: invalid type: ${describeRaw(v)}, expected an unsigned integer`);
  }
  const n = BigInt(v.text);
  if (n > max)
    throw new RangeError(`${field}: invalid value: integer \`${v.text}\`, expected at most ${max}`);
  return n;
}

export const U16_MAX = 0xffffn;
export const U32_MAX = 0xffffffffn;
export const U64_MAX = 0xffffffffffffffffn;
