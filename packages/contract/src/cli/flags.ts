// A command's flags as one table (name, short alias, kind, value placeholder, default, range, environment
// variable, help), and the parser that reads argv with it (node:util parseArgs underneath: no dependency,
// nothing to load at start-up). Values stay text: each command validates its own values and owns its
// messages; this layer only reports what is wrong with the command line's shape (unknown flag, missing value,
// a single-valued flag given twice), always naming the flag.
import { parseArgs } from "node:util";
import { suggest } from "./suggest.js";

/** string: free text; number: a number the command validates; list: repeatable (values kept in order). */
export type FlagKind = "string" | "number" | "boolean" | "list";

export interface FlagSpec {
  /** Long name, as typed after `--`. */
  readonly name: string;
  readonly short?: string;
  readonly kind: FlagKind;
  /** Placeholder shown in help as `<value>`: the unit or form (`seconds`, `count`, `bytes`, `dir`...). */
  readonly value?: string;
  readonly help: string;
  /** Shown as `[default: ...]`; the command applies its own default. */
  readonly default?: string;
  /** Accepted values, shown in help (`1-65535`, `auto|native|generic`). */
  readonly range?: string;
  /** The environment variable that sets this flag when the command line does not. */
  readonly env?: string;
  /** Help section title. */
  readonly group?: string;
}

/** `-h, --help` and `--version`: the same on every command of both programs. */
export const HELP_FLAG: FlagSpec = { name: "help", short: "h", kind: "boolean", help: "Show this help" };
export const VERSION_FLAG: FlagSpec = { name: "version", kind: "boolean", help: "Print the version" };

/** A command-line shape error: the flag (as typed), what is wrong, and a suggestion when there is one. */
export class FlagError extends Error {
  readonly flag: string;
  readonly rule: string;
  readonly suggestion: string | undefined;
  constructor(flag: string, rule: string, suggestion?: string) {
    super(`${flag}: ${rule}`);
    this.name = "FlagError";
    this.flag = flag;
    this.rule = rule;
    this.suggestion = suggestion;
  }
}

export type FlagValue = string | string[] | boolean;

export interface ParsedFlags {
  /** By long name; only flags that were given. list: every value in order; boolean: last one wins. */
  readonly values: Map<string, FlagValue>;
  readonly positionals: string[];
}

/** `-p, --dst-port` as a user would recognise it in a message. */
export function flagLabel(spec: FlagSpec): string {
  return spec.short ? `-${spec.short}/--${spec.name}` : `--${spec.name}`;
}

/**
 * Reads argv against the table. Booleans also take `--no-<name>`. Values may start with `-` (`--since -24h`).
 * Throws FlagError for an unknown flag (with the nearest known one), a value missing, a value given to a
 * boolean, or a single-valued flag given twice.
 */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const s of specs) {
    options[s.name] = {
      type: s.kind === "boolean" ? "boolean" : "string",
      ...(s.short ? { short: s.short } : {}),
    };
  }
  // strict: false keeps parseArgs from refusing values that start with "-"; the checks below are the strict part.
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values = new Map<string, FlagValue>();
  const positionals: string[] = [];
  const known = specs.flatMap((s) => [`--${s.name}`, ...(s.kind === "boolean" ? [`--no-${s.name}`] : [])]);
  for (const t of tokens) {
    if (t.kind === "positional") {
      positionals.push(t.value);
      continue;
    }
    if (t.kind !== "option") continue;
    let spec = byName.get(t.name);
    let negated = false;
    if (!spec && t.name.startsWith("no-")) {
      const base = byName.get(t.name.slice(3));
      if (base?.kind === "boolean") {
        spec = base;
        negated = true;
      }
    }
    if (!spec) {
      const typed = t.rawName;
      const near = typed.startsWith("--") ? suggest(typed, known) : undefined;
      throw new FlagError(typed, "unknown flag", near);
    }
    const label = flagLabel(spec);
    if (spec.kind === "boolean") {
      // `--flag=true|false` as well, for scripts that always pass a value.
      const v = t.value === undefined ? true : t.value === "true" ? true : t.value === "false" ? false : null;
      if (v === null || (negated && t.value !== undefined))
        throw new FlagError(label, `takes no value (given "${t.value}")`);
      values.set(spec.name, negated ? false : v);
      continue;
    }
    const usage = `${t.rawName} <${spec.value ?? "value"}>`;
    if (t.value === undefined) throw new FlagError(label, `needs a value: ${usage}`);
    // A flag name where a value should be (`--out-dir --json`) is almost always a forgotten value.
    if (!t.inlineValue && /^--[a-z]/.test(t.value) && known.includes(t.value.split("=")[0]!))
      throw new FlagError(label, `needs a value before ${t.value}: ${usage}`);
    const prev = values.get(spec.name);
    if (spec.kind === "list") values.set(spec.name, [...((prev as string[] | undefined) ?? []), t.value]);
    else if (prev !== undefined) throw new FlagError(label, "may be given only once");
    else values.set(spec.name, t.value);
  }
  return { values, positionals };
}

/** Splits a flags string from the environment into words: whitespace separates, '...' and "..." group. */
export function splitArgs(text: string, source: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: string | null = null;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new FlagError(source, `unclosed ${quote} quote`);
  if (inWord) words.push(cur);
  return words;
}
