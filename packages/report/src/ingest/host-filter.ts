// --host: which hosts a report covers. A comma-separated list (the flag may also be repeated) of names and glob
// patterns: `*` any run of characters, `?` one character, `[abc]`/`[a-z]` one of a set. A backslash makes the
// next character literal (`edge\*` is the host named "edge*", `a\,b` the host "a,b"), so every host name can
// be selected exactly. Matching is on the whole name and case-sensitive, like the name in the footer.
import { sanitizePathComponent } from "@ibsr/contract";
import { EXIT, ReportError } from "../exit-codes.js";

export interface HostFilter {
  /** The flag's text, as given (for the report's scope and messages). */
  text: string;
  /** True when `host` (a footer's host name) is selected. */
  matches(host: string): boolean;
  /**
   * False only when no host that a `host=<folder>` folder can hold is selected (folder names are sanitised
   * host names, so this is a conservative test: discovery skips the folder without opening anything).
   */
  mayMatchFolder(folderHost: string): boolean;
  /** The one literal name when the filter is exactly that (it also names legacy JSONL's host), else null. */
  single: string | null;
}

type Token = { lit: string } | { any: true } | { one: true } | { set: string; negate: boolean };

function tokenize(pattern: string, text: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\") {
      if (i + 1 >= pattern.length)
        throw new ReportError(
          EXIT.USAGE,
          `--host ${JSON.stringify(text)}: a trailing backslash escapes nothing`,
        );
      out.push({ lit: pattern[++i]! });
    } else if (ch === "*") out.push({ any: true });
    else if (ch === "?") out.push({ one: true });
    else if (ch === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0)
        throw new ReportError(
          EXIT.USAGE,
          `--host ${JSON.stringify(text)}: "[" opens a character set that is never closed (write \\[ for a literal "[")`,
        );
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      out.push({ set: body, negate });
      i = end;
    } else out.push({ lit: ch });
  }
  return out;
}

const reEscape = (s: string) => s.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
/** A set body for a RegExp class: ranges kept, everything else literal. */
const setClass = (body: string) => body.replace(/[\\\]^[]/g, "\\$&");

function exactRe(tokens: readonly Token[]): RegExp {
  const src = tokens
    .map((t) =>
      "lit" in t
        ? reEscape(t.lit)
        : "any" in t
          ? "[^]*"
          : "one" in t
            ? "[^]"
            : `[${t.negate ? "^" : ""}${setClass(t.set)}]`,
    )
    .join("");
  return new RegExp(`^${src}$`, "u");
}

/** The same pattern over sanitised names: every character outside [A-Za-z0-9._-] may have become '_'. */
function folderRe(tokens: readonly Token[]): RegExp {
  const src = tokens
    .map((t) => {
      if ("lit" in t) return /^[A-Za-z0-9._-]$/.test(t.lit) ? reEscape(t.lit) : "_+";
      if ("any" in t) return ".*";
      // One character of the name is one or two UTF-16 units, each of which may have become '_'.
      return ".{1,2}";
    })
    .join("");
  return new RegExp(`^${src}$`);
}

/**
 * Splits on commas that are not escaped; a backslash stays in the part (the pattern reads it). Blanks around a
 * part are dropped (`a, b`), but not an escaped one: `edge\\ ` is the host "edge " (its last character a space).
 */
function splitList(text: string): string[] {
  const parts: string[] = [];
  let cur = "";
  // Length of `cur` up to and including its last escaped character: trimming stops there.
  let keep = 0;
  const push = () => {
    const end = cur.slice(keep).trimEnd();
    parts.push((cur.slice(0, keep) + end).trimStart());
    cur = "";
    keep = 0;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\\" && i + 1 < text.length) {
      cur += ch + text[++i]!;
      keep = cur.length;
    } else if (ch === ",") push();
    else cur += ch;
  }
  push();
  return parts;
}

/** Parses --host (one value, or the values of a repeated flag joined by commas); usage error when malformed. */
export function parseHostFilter(text: string): HostFilter {
  const parts = splitList(text);
  if (parts.some((p) => p === ""))
    throw new ReportError(EXIT.USAGE, `--host ${JSON.stringify(text)}: an empty host name in the list`);
  const compiled = parts.map((p) => {
    const tokens = tokenize(p, text);
    return { tokens, exact: exactRe(tokens), folder: folderRe(tokens) };
  });
  const onlyLiteral = compiled.length === 1 && compiled[0]!.tokens.every((t) => "lit" in t);
  const single = onlyLiteral ? compiled[0]!.tokens.map((t) => ("lit" in t ? t.lit : "")).join("") : null;
  return {
    text,
    single,
    matches: (host) => compiled.some((c) => c.exact.test(host)),
    mayMatchFolder: (folderHost) => {
      // Truncated, emptied or dot-escaped names: too much may have changed to rule the folder out.
      if (folderHost.length >= 128 || folderHost === "unknown" || folderHost.startsWith("_")) return true;
      if (single !== null) return sanitizePathComponent(single) === folderHost;
      return compiled.some((c) => c.folder.test(folderHost));
    },
  };
}

/** The --host flag's raw value(s) as one list text: a repeated flag is the same as its values comma-separated. */
export function hostFlagText(raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  const text = Array.isArray(raw) ? raw.map(String).join(",") : String(raw);
  parseHostFilter(text); // usage errors at flag time, naming --host
  return text;
}
