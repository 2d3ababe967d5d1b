// Address codec for IPv4 addresses and IPv6 prefixes, in the one shape the kernel key uses:
// a family byte, 16 big-endian bytes (IPv4 in bytes 0..3, the rest zero) and a prefix length.
// Big-endian bytes compare numerically with a plain byte comparison, which is why the
// Parquet `src` column and every sort in the project use this layout.

export type Family = 4 | 6;

export interface Prefix {
  family: Family;
  /** 16 bytes, big-endian; IPv4 in bytes 0..3, bytes 4..15 zero. Host bits beyond prefixLen are zero. */
  bytes: Uint8Array;
  prefixLen: number;
}

export interface ParsePrefixOptions {
  /** Mask bits beyond the prefix length instead of rejecting them ("10.0.0.5/24" -> 10.0.0.0/24). */
  allowHostBits?: boolean;
}

/** Malformed address text: `position` is the 0-based offset in `input` where the problem starts. */
export class AddressParseError extends Error {
  override name = "AddressParseError";
  constructor(
    readonly input: string,
    readonly position: number,
    readonly problem: string,
    readonly expected: string,
  ) {
    const what = input.includes("/") ? "prefix" : "address";
    super(
      `invalid ${what} ${JSON.stringify(input)}: ${problem} at column ${position + 1} (expected ${expected})`,
    );
  }
}

export const ADDRESS_BYTES = 16;

export function maxPrefixLen(family: Family): 32 | 128 {
  return family === 4 ? 32 : 128;
}

/** A single address: "198.18.0.1" (/32) or "2001:2::1" (/128). `::ffff:a.b.c.d` stays IPv6. */
export function parseAddress(text: string): Prefix {
  return parseAddressAt(text, text, 0);
}

/** "a" (full length) or "a/n". Host bits set beyond /n are an error unless `allowHostBits`. */
export function parsePrefix(text: string, opts: ParsePrefixOptions = {}): Prefix {
  const slash = text.indexOf("/");
  if (slash < 0) return parseAddressAt(text, text, 0);
  const addr = parseAddressAt(text.slice(0, slash), text, 0);
  const lenText = text.slice(slash + 1);
  const lenAt = slash + 1;
  const max = maxPrefixLen(addr.family);
  const expectedLen = `a prefix length 0-${max} in decimal without leading zeros`;
  if (lenText.length === 0)
    throw new AddressParseError(text, lenAt, "missing prefix length after '/'", expectedLen);
  for (let i = 0; i < lenText.length; i++) {
    const c = lenText.charCodeAt(i);
    if (c < 48 || c > 57) {
      const what = c === 47 ? "a second '/'" : `character ${JSON.stringify(lenText[i])}`;
      throw new AddressParseError(text, lenAt + i, `${what} in the prefix length`, expectedLen);
    }
  }
  if (lenText.length > 1 && lenText[0] === "0") {
    throw new AddressParseError(text, lenAt, "prefix length has a leading zero", expectedLen);
  }
  const len = Number(lenText);
  if (len > max) {
    throw new AddressParseError(
      text,
      lenAt,
      `prefix length ${lenText} is longer than IPv${addr.family} allows`,
      expectedLen,
    );
  }
  const masked = maskBytes(addr.bytes, addr.family, len);
  if (!opts.allowHostBits && !bytesEqual(masked, addr.bytes)) {
    const network = formatAddress(addr.family, masked);
    throw new AddressParseError(
      text,
      0,
      `host bits are set beyond /${len}`,
      `the network address ${network}/${len}, or allowHostBits to mask them`,
    );
  }
  return { family: addr.family, bytes: masked, prefixLen: len };
}

/** Canonical text: dotted quad for IPv4; RFC 5952 for IPv6 (lowercase, longest zero run as "::"). */
export function formatAddress(family: Family, bytes: Uint8Array): string {
  if (bytes.length < (family === 4 ? 4 : 16)) {
    throw new RangeError(
      `formatAddress: IPv${family} needs ${family === 4 ? 4 : 16} bytes, got ${bytes.length}`,
    );
  }
  if (family === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // IPv4-mapped addresses print in the mixed notation RFC 5952 section 5 recommends.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  // Longest run of two or more zero groups; the first one wins a tie (RFC 5952 4.2.3).
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(":");
  if (bestAt < 0) return hex(groups);
  return `${hex(groups.slice(0, bestAt))}::${hex(groups.slice(bestAt + bestLen))}`;
}

/** "198.18.0.1" for a full-length address, "2001:2::/64" or "10.0.0.0/24" otherwise. */
export function formatPrefix(p: Prefix): string {
  const text = formatAddress(p.family, p.bytes);
  return p.prefixLen === maxPrefixLen(p.family) ? text : `${text}/${p.prefixLen}`;
}

/** Numeric order: family (4 before 6), then address bytes, then prefix length. */
export function compareAddress(a: Prefix, b: Prefix): number {
  if (a.family !== b.family) return a.family - b.family;
  const c = compareBytes(a.bytes, b.bytes);
  if (c !== 0) return c;
  return a.prefixLen - b.prefixLen;
}

/** Unsigned byte-wise comparison of two 16-byte big-endian addresses (negative, 0, positive). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** A fresh 16-byte copy of `bytes` with every bit beyond `len` zeroed (IPv4: bytes 4..15 always zero). */
export function maskBytes(bytes: Uint8Array, family: Family, len: number): Uint8Array {
  const max = maxPrefixLen(family);
  if (!Number.isInteger(len) || len < 0 || len > max) {
    throw new RangeError(`maskBytes: prefix length ${len} is outside 0-${max} for IPv${family}`);
  }
  const out = new Uint8Array(ADDRESS_BYTES);
  const full = len >> 3;
  for (let i = 0; i < full; i++) out[i] = bytes[i]!;
  const rest = len & 7;
  if (rest) out[full] = bytes[full]! & (0xff << (8 - rest));
  return out;
}

/** True when `addr` (an address or a narrower prefix) lies inside `prefix`; families never mix. */
export function prefixContains(prefix: Prefix, addr: Prefix): boolean {
  if (prefix.family !== addr.family || addr.prefixLen < prefix.prefixLen) return false;
  const len = prefix.prefixLen;
  const full = len >> 3;
  for (let i = 0; i < full; i++) if (prefix.bytes[i] !== addr.bytes[i]) return false;
  const rest = len & 7;
  if (rest) {
    const m = 0xff << (8 - rest);
    if ((prefix.bytes[full]! & m) !== (addr.bytes[full]! & m)) return false;
  }
  return true;
}

/** An IPv4 address from the legacy u32 form (first octet most significant). */
export function ipv4FromU32(n: number, prefixLen = 32): Prefix {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`ipv4FromU32: ${n} is not a u32`);
  const bytes = new Uint8Array(ADDRESS_BYTES);
  bytes[0] = n >>> 24;
  bytes[1] = (n >>> 16) & 0xff;
  bytes[2] = (n >>> 8) & 0xff;
  bytes[3] = n & 0xff;
  return { family: 4, bytes: maskBytes(bytes, 4, prefixLen), prefixLen };
}

/** The u32 value of an IPv4 address (first octet most significant). */
export function ipv4ToU32(bytes: Uint8Array): number {
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return compareBytes(a, b) === 0;
}

// --- parsing ---------------------------------------------------------------------------------

const V4_EXPECTED = "four decimal octets 0-255 without leading zeros, like 198.18.0.1";
const V6_EXPECTED = "eight groups of 1-4 hex digits, '::' at most once, like 2001:2::1";

// `text` is the part being parsed; `whole` and `at` place errors in the caller's full input.
function parseAddressAt(text: string, whole: string, at: number): Prefix {
  if (text.length === 0) {
    throw new AddressParseError(whole, at, "empty address", "an IPv4 or IPv6 address");
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "%") {
      throw new AddressParseError(whole, at + i, "zone identifier ('%...')", "an address without a zone id");
    }
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      throw new AddressParseError(whole, at + i, "whitespace", "an address with no spaces");
    }
  }
  const bytes = new Uint8Array(ADDRESS_BYTES);
  if (text.includes(":")) {
    parseIpv6(text, whole, at, bytes);
    return { family: 6, bytes, prefixLen: 128 };
  }
  parseIpv4(text, whole, at, bytes, 0, V4_EXPECTED);
  return { family: 4, bytes, prefixLen: 32 };
}

function parseIpv4(
  text: string,
  whole: string,
  at: number,
  out: Uint8Array,
  offset: number,
  expected: string,
): void {
  const parts = text.split(".");
  if (parts.length !== 4) {
    const where = parts.length > 4 ? at + nthIndexOf(text, ".", 4) : at + text.length;
    throw new AddressParseError(whole, where, `${parts.length} dotted parts instead of 4`, expected);
  }
  let pos = at;
  for (let k = 0; k < 4; k++) {
    const part = parts[k]!;
    if (part.length === 0) throw new AddressParseError(whole, pos, `octet ${k + 1} is empty`, expected);
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      if (c < 48 || c > 57) {
        throw new AddressParseError(
          whole,
          pos + i,
          `octet ${k + 1} has ${JSON.stringify(part[i])}`,
          expected,
        );
      }
    }
    if (part.length > 1 && part[0] === "0") {
      throw new AddressParseError(whole, pos, `octet ${k + 1} "${part}" has a leading zero`, expected);
    }
    if (part.length > 3 || Number(part) > 255) {
      throw new AddressParseError(whole, pos, `octet ${k + 1} "${part}" is above 255`, expected);
    }
    out[offset + k] = Number(part);
    pos += part.length + 1;
  }
}

function parseIpv6(text: string, whole: string, at: number, out: Uint8Array): void {
  const gap = text.indexOf("::");
  if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
    throw new AddressParseError(whole, at + text.indexOf("::", gap + 1), "a second '::'", V6_EXPECTED);
  }
  // Each side is a list of groups; the last group of the address may be a dotted IPv4 (two groups).
  const head = gap >= 0 ? text.slice(0, gap) : text;
  const tail = gap >= 0 ? text.slice(gap + 2) : "";
  const headGroups = parseGroups(head, whole, at, gap < 0);
  const tailGroups = gap >= 0 ? parseGroups(tail, whole, at + gap + 2, true) : [];
  const total = headGroups.length + tailGroups.length;
  if (gap < 0 && total !== 8) {
    throw new AddressParseError(whole, at + text.length, `${total} groups without '::'`, V6_EXPECTED);
  }
  if (gap >= 0 && total > 7) {
    throw new AddressParseError(
      whole,
      at + gap,
      `'::' with ${total} other groups leaves no room`,
      V6_EXPECTED,
    );
  }
  const groups = [...headGroups, ...new Array<number>(8 - total).fill(0), ...tailGroups];
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i]! >> 8;
    out[2 * i + 1] = groups[i]! & 0xff;
  }
}

// Parses colon-separated hex groups; `allowV4` lets the last piece be a dotted quad.
function parseGroups(part: string, whole: string, at: number, allowV4: boolean): number[] {
  if (part.length === 0) return [];
  const pieces = part.split(":");
  const groups: number[] = [];
  let pos = at;
  for (let k = 0; k < pieces.length; k++) {
    const piece = pieces[k]!;
    if (piece.length === 0) {
      throw new AddressParseError(whole, pos, "empty group (a lone ':')", V6_EXPECTED);
    }
    if (piece.includes(".")) {
      if (!allowV4 || k !== pieces.length - 1) {
        throw new AddressParseError(whole, pos, "dotted IPv4 part not at the end", V6_EXPECTED);
      }
      const v4 = new Uint8Array(4);
      parseIpv4(piece, whole, pos, v4, 0, "a dotted IPv4 tail of four octets 0-255 without leading zeros");
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      pos += piece.length + 1;
      continue;
    }
    if (piece.length > 4) {
      throw new AddressParseError(whole, pos, `group "${piece}" has more than 4 hex digits`, V6_EXPECTED);
    }
    for (let i = 0; i < piece.length; i++) {
      if (!isHex(piece.charCodeAt(i))) {
        throw new AddressParseError(
          whole,
          pos + i,
          `${JSON.stringify(piece[i])} is not a hex digit`,
          V6_EXPECTED,
        );
      }
    }
    groups.push(Number.parseInt(piece, 16));
    pos += piece.length + 1;
  }
  return groups;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function nthIndexOf(s: string, ch: string, n: number): number {
  let i = -1;
  for (let k = 0; k < n; k++) i = s.indexOf(ch, i + 1);
  return i;
}
