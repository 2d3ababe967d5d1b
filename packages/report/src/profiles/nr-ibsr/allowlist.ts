// The reference allowlist (spec §14): one IPv4 or IPv4 CIDR per line, `#` comment lines, no inline comments.
// Single IPs form a set; CIDRs a list that keeps duplicates (they are counted and emitted twice); host bits
// of a CIDR are masked off; a /32 stays a CIDR and /0 matches everything.
import { readFile } from "node:fs/promises";
import { EXIT, ReportError } from "../../exit-codes.js";
import { maskOf, parseIpv4 } from "./ipv4.js";
import { rustTrim } from "./snapshots.js";

export interface Cidr {
  network: number;
  prefixLen: number;
}

export interface Allowlist {
  ips: Set<number>;
  cidrs: Cidr[];
}

/** Exit code 3 (configuration), as for the default profile's allowlist. */
export class AllowlistError extends ReportError {
  override name = "AllowlistError";
  constructor(message: string) {
    super(EXIT.CONFIG, message);
  }
}

export function emptyAllowlist(): Allowlist {
  return { ips: new Set(), cidrs: [] };
}

/** Rust's u8::from_str: optional '+', ASCII digits (leading zeros allowed), value <= 255. */
function parseU8(text: string): number | undefined {
  const t = text.startsWith("+") ? text.slice(1) : text;
  if (!/^[0-9]+$/.test(t)) return undefined;
  const v = Number(t);
  return v <= 255 ? v : undefined;
}

export function parseAllowlist(text: string, where: string): Allowlist {
  const out = emptyAllowlist();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = rustTrim(lines[i]!);
    if (line === "" || line.startsWith("#")) continue;
    if (line.includes("/")) {
      const parts = line.split("/");
      const ip = parts.length === 2 ? parseIpv4(parts[0]!) : undefined;
      const len = parts.length === 2 ? parseU8(parts[1]!) : undefined;
      if (ip === undefined || len === undefined || len > 32) {
        throw new AllowlistError(
          `failed to parse allowlist ${where}: line ${i + 1}: invalid CIDR notation: ${line} (expected a.b.c.d/len with len 0-32)`,
        );
      }
      out.cidrs.push({ network: (ip & maskOf(len)) >>> 0, prefixLen: len });
      continue;
    }
    const ip = parseIpv4(line);
    if (ip === undefined) {
      throw new AllowlistError(
        `failed to parse allowlist ${where}: line ${i + 1}: invalid IP address: ${line} (expected a.b.c.d; inline comments are not supported)`,
      );
    }
    out.ips.add(ip);
  }
  return out;
}

export async function loadAllowlist(path: string): Promise<Allowlist> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new AllowlistError(`failed to parse allowlist ${path}: ${e.code ?? ""} ${e.message}`.trim());
  }
  return parseAllowlist(text, path);
}

export function allowlistContains(a: Allowlist, ip: number): boolean {
  if (a.ips.has(ip)) return true;
  return a.cidrs.some((c) => (ip & maskOf(c.prefixLen)) >>> 0 === c.network);
}
