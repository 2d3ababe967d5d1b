// The allowlist: IPv4/IPv6 addresses and CIDRs, one per line, `#` comments (whole-line and inline).
import { readFileSync } from "node:fs";
import {
  AddressParseError,
  compareAddress,
  formatPrefix,
  type Prefix,
  parsePrefix,
  prefixContains,
} from "@ibsr/contract";
import { EXIT, ReportError } from "./exit-codes.js";

export interface AllowlistEntry {
  prefix: Prefix;
  /** Canonical text ("198.18.0.1", "198.18.0.0/24", "2001:2::/48"). */
  text: string;
  /** A single address (full-length prefix) rather than a CIDR. */
  single: boolean;
  line: number;
}

export interface Allowlist {
  path: string | null;
  /** Deduplicated, sorted by family, address, prefix length. */
  entries: AllowlistEntry[];
  contains(key: Prefix): boolean;
}

export const EMPTY_ALLOWLIST: Allowlist = { path: null, entries: [], contains: () => false };

/**
 * Parses allowlist text. Host bits beyond the prefix length are masked (10.0.0.5/24 means 10.0.0.0/24), as an
 * operator writing an address with its subnet expects. Throws ReportError(3) naming file:line.
 */
export function parseAllowlist(text: string, path: string): Allowlist {
  const byText = new Map<string, AllowlistEntry>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (i === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    const hash = line.indexOf("#");
    const body = (hash >= 0 ? line.slice(0, hash) : line).trim();
    if (body === "") continue;
    if (/\s/.test(body))
      throw new ReportError(
        EXIT.CONFIG,
        `allowlist ${path}:${i + 1}: one address or CIDR per line, got ${JSON.stringify(body)} (put comments after '#')`,
      );
    let prefix: Prefix;
    try {
      prefix = parsePrefix(body, { allowHostBits: true });
    } catch (e) {
      const why = e instanceof AddressParseError ? e.message : String(e);
      throw new ReportError(EXIT.CONFIG, `allowlist ${path}:${i + 1}: ${why}`);
    }
    const entryText = formatPrefix(prefix);
    if (!byText.has(entryText))
      byText.set(entryText, {
        prefix,
        text: entryText,
        single: prefix.prefixLen === (prefix.family === 4 ? 32 : 128),
        line: i + 1,
      });
  }
  const entries = [...byText.values()].sort((a, b) => compareAddress(a.prefix, b.prefix));
  return {
    path,
    entries,
    contains: (key) => entries.some((e) => prefixContains(e.prefix, key)),
  };
}

export function loadAllowlist(path: string): Allowlist {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ReportError(
      EXIT.CONFIG,
      `cannot read allowlist ${path}: ${err.code ?? "error"} (${err.message}) (check the path given to --allowlist)`,
    );
  }
  return parseAllowlist(text, path);
}
