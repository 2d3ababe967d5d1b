// Help text from the flag table: a plain, stable layout (usage, description, titled sections of
// `  term  text` entries, examples, closing notes) that man pages are generated from. At most 100 columns
// (fewer on a narrower terminal); descriptions wrap in their column, an example command never wraps: one
// that does not fit beside its description goes on its own line.
import type { FlagSpec } from "./flags.js";

export const HELP_MAX_WIDTH = 100;

/** 100 columns, or the terminal's width when stdout is a narrower terminal. */
export function helpWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  const cols = stream.isTTY ? stream.columns : undefined;
  return cols && cols >= 40 ? Math.min(HELP_MAX_WIDTH, cols) : HELP_MAX_WIDTH;
}

export interface HelpEntry {
  term: string;
  text: string;
}
export interface HelpExample {
  command: string;
  text: string;
}
export interface HelpDoc {
  usage: string[];
  description: string[];
  sections: { title: string; entries: HelpEntry[] }[];
  examples: HelpExample[];
  notes: string[];
}

/** `-p, --dst-port <port>` / `    --json`. */
export function flagTerm(f: FlagSpec): string {
  const long = `--${f.name}${f.kind === "boolean" ? "" : ` <${f.value ?? "value"}>`}`;
  return f.short ? `-${f.short}, ${long}` : `    ${long}`;
}

/** The help line of a flag: text, accepted values, default, environment variable. */
export function flagEntry(f: FlagSpec): HelpEntry {
  const parts = [f.help];
  if (f.range) parts.push(`(${f.range})`);
  if (f.kind === "list") parts.push("[repeatable]");
  if (f.default !== undefined) parts.push(`[default: ${f.default}]`);
  if (f.env) parts.push(`[env: ${f.env}]`);
  return { term: flagTerm(f), text: parts.join(" ") };
}

/** Flags in sections by their group, in table order. */
export function flagSections(flags: readonly FlagSpec[], fallback = "Options"): HelpDoc["sections"] {
  const out: HelpDoc["sections"] = [];
  for (const f of flags) {
    const title = f.group ?? fallback;
    let s = out.find((x) => x.title === title);
    if (!s) {
      s = { title, entries: [] };
      out.push(s);
    }
    s.entries.push(flagEntry(f));
  }
  return out;
}

/** Greedy word wrap to `width` columns (a word longer than the width stays whole). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = "";
  for (const w of text.split(/\s+/).filter(Boolean)) {
    if (cur && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines;
}

const INDENT = 2;
const GAP = 2;

function twoColumns(rows: HelpEntry[], width: number, maxTerm: number, keepTerm: boolean): string[] {
  const fit = rows.map((r) => r.term.length).filter((n) => n <= maxTerm);
  const col = INDENT + Math.max(0, ...fit) + GAP;
  const out: string[] = [];
  for (const r of rows) {
    const textLines = wrap(r.text, Math.max(20, width - col));
    const head = " ".repeat(INDENT) + r.term;
    // An example command never wraps: when it does not fit its column it stands on its own line.
    if (head.length + GAP > col || (keepTerm && head.length + GAP + (textLines[0]?.length ?? 0) > width)) {
      out.push(head);
      for (const l of textLines) out.push(" ".repeat(col) + l);
      continue;
    }
    const [first = "", ...rest] = textLines;
    out.push(`${head.padEnd(col)}${first}`.trimEnd());
    for (const l of rest) out.push(" ".repeat(col) + l);
  }
  return out;
}

export function renderHelp(doc: HelpDoc, width: number = helpWidth()): string {
  const out: string[] = [...doc.usage, ""];
  for (const p of doc.description) out.push(...wrap(p, width), "");
  const termMax = Math.min(34, Math.floor(width / 3));
  for (const s of doc.sections) {
    if (s.entries.length === 0) continue;
    out.push(`${s.title}:`, ...twoColumns(s.entries, width, termMax, false), "");
  }
  if (doc.examples.length) {
    const rows = doc.examples.map((e) => ({ term: e.command, text: e.text }));
    out.push("Examples:", ...twoColumns(rows, width, Math.floor(width * 0.55), true), "");
  }
  for (const p of doc.notes) out.push(...wrap(p, width), "");
  return `${out.join("\n").trimEnd()}\n`;
}
