// One owner per fact: the kernel's names (program, maps, .rodata globals), the snapshot metadata keys and the
// kernel layout sizes are defined in @ibsr/contract and imported everywhere else. This test reads every
// TypeScript/JavaScript file of the tree with a small lexer and fails naming file:line where one
// of them is written again.
//
// The rule, and why:
// - Scanned: packages/*/src, bench, deploy, scripts and test, .ts/.tsx/.js/.mjs/.cjs files. Left out:
//   packages/contract (the owner), dist and node_modules (built or installed), bench/results (recorded data),
//   bpf/ (the C side, compared with the contract by kernel.test.ts and the live BTF test) and docs (prose).
// - *.test.ts files are left out: an expected value written out independently is the point of a test (a
//   test that took "ibsr_flows" from the code under test could not catch a renamed map). Test helpers that
//   are not *.test.ts (test/harness, test/live/*-fixture.ts, ...) are production of their tests and scanned.
// - Comments are not code: only string literals and the text of template literals count, and a name counts
//   wherever it stands as a whole word in them (a message "map ibsr_flows ..." restates the name as much as
//   a bare "ibsr_flows" does; write `map ${MAP_FLOWS}` instead).
// - Paths: a string that spells a host=/date= folder or a status-<iface>.jsonl heartbeat file (hive.ts and
//   heartbeat.ts own the tree's layout, globs included).
// - Numbers: a layout size or the layout version counts when it is the value of, or compared with, something
//   named for a layout fact (keySize, valueSize, *_SIZE, bitmap, layoutVersion); PORT_BITMAP_BYTES (8192) is
//   distinctive enough to count anywhere. A bare 4 or 24 elsewhere is just a number.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  ARRAY_KEY_SIZE,
  GLOBAL_META_KEYS,
  GLOBAL_SIZE,
  KEY_SIZE,
  LAYOUT_VERSION,
  MAP_NAMES,
  META_KEY_PREFIX,
  META_KEYS,
  PORT_BITMAP_BYTES,
  PROGRAM_NAME,
  RODATA,
  VALUE_SIZE,
} from "@ibsr/contract";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const SCAN_DIRS = ["packages", "bench", "deploy", "scripts", "test"];
const SKIP_DIRS = new Set(["node_modules", "dist", "results", ".git"]);
const SOURCE_EXT = /\.(ts|tsx|js|mjs|cjs)$/;

/** Whole-word names: the kernel's identifiers and the metadata keys. */
const NAMES: readonly string[] = [
  PROGRAM_NAME,
  ...MAP_NAMES,
  ...Object.values(RODATA),
  ...Object.values(META_KEYS),
  ...Object.values(GLOBAL_META_KEYS),
];
/** Literals that are a definition only when they stand alone (the prefix also starts file names). */
const EXACT: readonly string[] = [META_KEY_PREFIX, `${META_KEY_PREFIX}global.`];
/** The snapshot tree's vocabulary (hive.ts, heartbeat.ts): a host/date folder, a heartbeat file name. */
const PATH_PATTERNS: readonly { what: string; re: RegExp }[] = [
  { what: "host=<host> folder", re: /(^|\/)host=/ },
  { what: "date=<day> folder", re: /(^|\/)date=/ },
  { what: "status-<iface>.jsonl", re: /(^|\/)status-.*\.jsonl/ },
];
const LAYOUT_NUMBERS = new Set([
  KEY_SIZE,
  VALUE_SIZE,
  GLOBAL_SIZE,
  PORT_BITMAP_BYTES,
  ARRAY_KEY_SIZE,
  LAYOUT_VERSION,
]);
const ANYWHERE_NUMBERS = new Set([PORT_BITMAP_BYTES]);
/** Names of things that hold a layout fact. */
const LAYOUT_NAME = /key_?size|value_?size|_SIZE$|bitmap|layout_?version/i;

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
// Word characters, dots and dashes continue a name: ibsr_flows_v2 and ibsr.seq_x are other names. C source
// text in a template may name the struct of the same name (`struct ibsr_global`): a type, not the map.
const NAME_RES = NAMES.map((n) => ({
  n,
  re: new RegExp(`(?<![\\w.-]|struct )${reEscape(n)}(?![\\w-]|\\.\\w)`),
}));

export interface Finding {
  file: string;
  line: number;
  what: string;
}

type Token =
  | { kind: "str"; text: string; line: number }
  | { kind: "num"; text: string; line: number }
  | { kind: "id"; text: string; line: number }
  | { kind: "punct"; text: string; line: number };

const PUNCT = ["===", "!==", "==", "!=", "<=", ">=", "=>", "&&", "||", "??", "?.", "..."];
/** After these a slash starts a regular expression, not a division. */
const BEFORE_REGEX_IDS = new Set([
  "return",
  "typeof",
  "case",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "else",
]);

/**
 * A small lexer (the TypeScript in node_modules is the native compiler, with no JavaScript parser API):
 * comments dropped; string and template text as "str" tokens (each template chunk its own token, the code in
 * `${...}` lexed as code); regular expressions skipped; identifiers, numbers and punctuation as tokens.
 */
export function lex(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  /** Per open brace: true when it closes a template substitution. */
  const braces: boolean[] = [];
  const advance = (to: number) => {
    for (let j = i; j < to; j++) if (text[j] === "\n") line++;
    i = to;
  };
  const templateChunk = () => {
    // i is just past ` or the } closing a substitution.
    const l = line;
    let s = "";
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === "\\") {
        s += text[i + 1] ?? "";
        advance(i + 2);
      } else if (ch === "`") {
        advance(i + 1);
        out.push({ kind: "str", text: s, line: l });
        return;
      } else if (ch === "$" && text[i + 1] === "{") {
        advance(i + 2);
        braces.push(true);
        out.push({ kind: "str", text: s, line: l });
        return;
      } else {
        s += ch;
        advance(i + 1);
      }
    }
    out.push({ kind: "str", text: s, line: l });
  };
  const regexAllowed = () => {
    const p = out[out.length - 1];
    if (!p) return true;
    if (p.kind === "num" || p.kind === "str") return false;
    if (p.kind === "id") return BEFORE_REGEX_IDS.has(p.text);
    return p.text !== ")" && p.text !== "]" && p.text !== "}";
  };
  while (i < text.length) {
    const ch = text[i]!;
    const next = text[i + 1];
    if (ch === "\n" || ch === " " || ch === "\t" || ch === "\r") advance(i + 1);
    else if (ch === "/" && next === "/")
      advance(text.indexOf("\n", i) < 0 ? text.length : text.indexOf("\n", i));
    else if (ch === "/" && next === "*")
      advance(text.indexOf("*/", i + 2) < 0 ? text.length : text.indexOf("*/", i + 2) + 2);
    else if (ch === '"' || ch === "'") {
      const l = line;
      let s = "";
      let j = i + 1;
      while (j < text.length && text[j] !== ch && text[j] !== "\n") {
        if (text[j] === "\\") {
          s += text[j + 1] ?? "";
          j += 2;
        } else s += text[j++];
      }
      advance(j + 1);
      out.push({ kind: "str", text: s, line: l });
    } else if (ch === "`") {
      advance(i + 1);
      templateChunk();
    } else if (ch === "/" && regexAllowed()) {
      let j = i + 1;
      let inClass = false;
      while (j < text.length && text[j] !== "\n") {
        const c = text[j]!;
        if (c === "\\") j++;
        else if (c === "[") inClass = true;
        else if (c === "]") inClass = false;
        else if (c === "/" && !inClass) break;
        j++;
      }
      j++;
      while (j < text.length && /[a-z]/i.test(text[j]!)) j++;
      advance(j);
      out.push({ kind: "punct", text: "/re/", line });
    } else if (/[A-Za-z_$]/.test(ch)) {
      const m = /^[\w$]+/.exec(text.slice(i, i + 200))![0];
      out.push({ kind: "id", text: m, line });
      advance(i + m.length);
    } else if (/[0-9]/.test(ch) || (ch === "." && /[0-9]/.test(next ?? ""))) {
      const m = /^(0[xob][0-9a-f_]+|[0-9_]*\.?[0-9_]+(e[+-]?[0-9]+)?)n?/i.exec(text.slice(i, i + 100))![0];
      out.push({ kind: "num", text: m, line });
      advance(i + m.length);
    } else if (ch === "{") {
      braces.push(false);
      out.push({ kind: "punct", text: ch, line });
      advance(i + 1);
    } else if (ch === "}") {
      advance(i + 1);
      if (braces.pop()) templateChunk();
      else out.push({ kind: "punct", text: ch, line });
    } else {
      const p = PUNCT.find((x) => text.startsWith(x, i)) ?? ch;
      out.push({ kind: "punct", text: p, line });
      advance(i + p.length);
    }
  }
  return out;
}

const BINDS = new Set([":", "=", "==", "===", "!=", "!==", ","]);

/** The name a number is bound to or compared with: `keySize: 4`, `x.keySize === 4`, `4 === x.keySize`. */
function contextName(toks: readonly Token[], i: number): string | undefined {
  const before = toks[i - 1];
  const name = toks[i - 2];
  if (before?.kind === "punct" && BINDS.has(before.text) && (name?.kind === "id" || name?.kind === "str"))
    return name.text;
  const after = toks[i + 1];
  if (after?.kind === "punct" && BINDS.has(after.text) && after.text !== ":" && after.text !== "=") {
    let j = i + 2;
    let last: string | undefined;
    while (toks[j]?.kind === "id") {
      last = toks[j]!.text;
      if (toks[j + 1]?.text !== ".") break;
      j += 2;
    }
    return last;
  }
  return undefined;
}

/** Every restated contract fact in one source text. */
export function scanSource(file: string, text: string): Finding[] {
  const toks = lex(text);
  const out: Finding[] = [];
  toks.forEach((t, i) => {
    const at = (what: string) => out.push({ file, line: t.line, what });
    if (t.kind === "str") {
      for (const { n, re } of NAME_RES) if (re.test(t.text)) at(`"${n}"`);
      if (EXACT.includes(t.text)) at(`"${t.text}"`);
      for (const { what, re } of PATH_PATTERNS) if (re.test(t.text)) at(what);
    } else if (t.kind === "num") {
      const v = Number(t.text.replace(/_/g, ""));
      if (ANYWHERE_NUMBERS.has(v)) at(String(v));
      else if (LAYOUT_NUMBERS.has(v)) {
        const name = contextName(toks, i);
        if (name !== undefined && LAYOUT_NAME.test(name)) at(`${v} as ${name}`);
      }
    }
  });
  return out;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (SKIP_DIRS.has(e.name)) continue;
      // The owner itself.
      if (relative(ROOT, p) === join("packages", "contract")) continue;
      yield* sourceFiles(p);
    } else if (
      e.isFile() &&
      SOURCE_EXT.test(e.name) &&
      !e.name.endsWith(".test.ts") &&
      !e.name.endsWith(".d.ts")
    )
      yield p;
  }
}

describe("one owner per kernel name, metadata key, layout size and snapshot path", () => {
  test("the scanner finds a restated name, key or size, and ignores comments and imports", () => {
    const sub = ["$", "{x}"].join(""); // a substitution in the sample's template
    const src = [
      "// ibsr_flows in a comment is prose",
      `import { MAP_FLOWS } from "@ibsr/contract";`,
      `const a = "${MAP_NAMES[0]}";`,
      `const b = \`map ${sub} and ${PROGRAM_NAME} here\`;`,
      `const c = { keySize: ${ARRAY_KEY_SIZE}, valueSize: ${PORT_BITMAP_BYTES} };`,
      `if (m.valueSize === ${VALUE_SIZE}) f("${META_KEYS.seq}");`,
      `const d = "${MAP_NAMES[0]}_v2 ibsr.bpf.o"; const e = 4; g(${KEY_SIZE});`,
      `const glob = "x/host=*/status-*.jsonl";`,
    ].join("\n");
    assert.deepEqual(
      scanSource("x.ts", src).map((f) => `${f.line} ${f.what}`),
      [
        `3 "${MAP_NAMES[0]}"`,
        `4 "${PROGRAM_NAME}"`,
        `5 ${ARRAY_KEY_SIZE} as keySize`,
        `5 ${PORT_BITMAP_BYTES}`,
        `6 ${VALUE_SIZE} as valueSize`,
        `6 "${META_KEYS.seq}"`,
        "8 host=<host> folder",
        "8 status-<iface>.jsonl",
      ],
    );
  });

  test("no file outside @ibsr/contract defines one again", () => {
    const findings: Finding[] = [];
    let files = 0;
    for (const dir of SCAN_DIRS) {
      for (const file of sourceFiles(join(ROOT, dir))) {
        files++;
        findings.push(...scanSource(relative(ROOT, file), readFileSync(file, "utf8")));
      }
    }
    assert.ok(files > 100, `scanned ${files} files: the walk missed the tree`);
    assert.deepEqual(
      findings.map((f) => `${f.file}:${f.line}: ${f.what} (import it from @ibsr/contract)`),
      [],
    );
  });
});
