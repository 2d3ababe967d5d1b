// What `explain` was asked about: one address or a CIDR, and the SQL that finds every key overlapping it (a
// key inside the CIDR, or a key containing the address: an IPv6 address's /64 key, a legacy /24 key).
import {
  AddressParseError,
  formatPrefix,
  maskBytes,
  maxPrefixLen,
  type Prefix,
  parsePrefix,
} from "@ibsr/contract";
import { EXIT, ReportError } from "../exit-codes.js";

export interface Target {
  /** As typed. */
  text: string;
  /** Canonical (host bits beyond the length masked, as the allowlist does). */
  prefix: Prefix;
  /** A single address (full-length prefix) rather than a CIDR. */
  single: boolean;
}

/** Parses the address or CIDR argument; a usage error (exit 2) naming the text otherwise. */
export function parseTarget(text: string): Target {
  let prefix: Prefix;
  try {
    prefix = parsePrefix(text.trim(), { allowHostBits: true });
  } catch (e) {
    const why = e instanceof AddressParseError ? e.message : String(e);
    throw new ReportError(
      EXIT.USAGE,
      `explain: ${why}; give an IPv4 or IPv6 address (198.18.0.1, 2001:2::1) or a CIDR (198.18.0.0/24, 2001:2::/48) first, then the snapshot directories`,
    );
  }
  return { text, prefix, single: prefix.prefixLen === maxPrefixLen(prefix.family) };
}

export function targetText(t: Target): string {
  return formatPrefix(t.prefix);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** The highest address of the prefix (host bits set, within the family's width). */
function lastAddress(p: Prefix): Uint8Array {
  const out = maskBytes(p.bytes, p.family, p.prefixLen);
  for (let bit = p.prefixLen; bit < maxPrefixLen(p.family); bit++) out[bit >> 3]! |= 0x80 >> (bit & 7);
  return out;
}

/**
 * A DuckDB condition over columns family, src (16 bytes) and prefix_len (of table `alias`): the key overlaps the target, i.e. lies
 * inside it or contains it. Only hex of parsed bytes and integers are written into the text.
 */
export function overlapSql(t: Target, alias = ""): string {
  const p = t.prefix;
  const [family, src, prefixLen] = ["family", "src", "prefix_len"].map((c) => (alias ? `${alias}.${c}` : c));
  const inside = `(${prefixLen} >= ${p.prefixLen} AND ${src} BETWEEN from_hex('${hex(maskBytes(p.bytes, p.family, p.prefixLen))}') AND from_hex('${hex(lastAddress(p))}'))`;
  const containing: string[] = [];
  for (let len = 1; len < p.prefixLen; len++)
    containing.push(
      `(${prefixLen} = ${len} AND ${src} = from_hex('${hex(maskBytes(p.bytes, p.family, len))}'))`,
    );
  return `(${family} = ${p.family} AND (${[inside, ...containing].join(" OR ")}))`;
}
