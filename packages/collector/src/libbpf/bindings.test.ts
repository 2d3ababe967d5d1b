// The raw bindings against the installed headers: every `C:` prototype comment in bindings.ts must
// match the declaration in /usr/include/bpf/*.h, each koffi binding must take as many arguments as
// its C prototype, and every hand-written struct offset must equal what a C compiler says.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { libbpf, OPTS_LAYOUT } from "./bindings.js";

const HEADERS = ["/usr/include/bpf/libbpf.h", "/usr/include/bpf/bpf.h", "/usr/include/bpf/btf.h"];
const source = readFileSync(fileURLToPath(new URL("./bindings.ts", import.meta.url)), "utf8");

/** Whitespace-insensitive form of a declaration: one space between words, none around punctuation. */
function normalize(decl: string): string {
  return decl
    .replace(/\/\*.*?\*\//gs, " ")
    .replace(/\bLIBBPF_API\b/g, " ")
    .replace(/\bLIBBPF_DEPRECATED(_SINCE)?\([^)]*\)/g, " ")
    .replace(/\s+/g, " ")
    .replace(/\s*([*(),;])\s*/g, "$1")
    .trim();
}

function prototypeComments(): Array<{ name: string; decl: string }> {
  const out: Array<{ name: string; decl: string }> = [];
  for (const m of source.matchAll(/^\s*\/\/ C: (.+)$/gm)) {
    const decl = m[1]!;
    const name = decl.startsWith("typedef")
      ? /\(\*(\w+)\)/.exec(decl)![1]!
      : /(\w+)\s*\(/.exec(decl.replace(/^typedef/, ""))![1]!;
    out.push({ name, decl });
  }
  return out;
}

function headerDeclaration(text: string, name: string): string | null {
  // From the end of the previous declaration (`;`, `}` or a preprocessor line) to the next `;`.
  const m = new RegExp(`(\\b${name}\\s*\\(|\\(\\*${name}\\)\\s*\\()`).exec(text);
  if (!m) return null;
  let from = m.index;
  while (from > 0 && !";}".includes(text[from - 1]!) && !(text[from - 1] === "\n" && text[from] === "#"))
    from--;
  const lines = text
    .slice(from, m.index)
    .split("\n")
    .filter((l) => !l.trimStart().startsWith("#"));
  const to = text.indexOf(";", m.index);
  return `${lines.join("\n")}${text.slice(m.index, to + 1)}`;
}

test("every C: prototype comment matches the installed libbpf headers", (t) => {
  const present = HEADERS.filter((h) => existsSync(h));
  if (present.length < HEADERS.length) {
    t.skip(
      `libbpf headers missing (${HEADERS.filter((h) => !existsSync(h)).join(", ")}): apt-get install libbpf-dev`,
    );
    return;
  }
  // Comments removed first: the doc comments mention the function names too.
  const text = present
    .map((h) => readFileSync(h, "utf8"))
    .join("\n")
    .replace(/\/\*.*?\*\//gs, " ")
    .replace(/\/\/[^\n]*/g, " ");
  const protos = prototypeComments();
  assert.ok(protos.length >= 35, `expected every binding to carry a C: comment, found ${protos.length}`);
  for (const { name, decl } of protos) {
    const inHeader = headerDeclaration(text, name);
    assert.ok(inHeader, `${name}: not declared in ${HEADERS.join(", ")}`);
    assert.equal(normalize(decl), normalize(inHeader), `${name}: prototype comment differs from the header`);
  }
});

function paramCount(decl: string): number {
  const inner = /\((.*)\)\s*;\s*$/.exec(decl)?.[1]?.trim() ?? "";
  if (inner === "" || inner === "void") return 0;
  return inner.split(",").length;
}

test("each koffi binding takes as many arguments as its C prototype", (t) => {
  let b: ReturnType<typeof libbpf>;
  try {
    b = libbpf();
  } catch (err) {
    t.skip((err as Error).message);
    return;
  }
  const byName = b as unknown as Record<string, { info?: { arguments: unknown[] } }>;
  for (const { name, decl } of prototypeComments()) {
    if (decl.startsWith("typedef")) continue;
    const fn = byName[name];
    assert.ok(fn?.info, `${name}: documented but not bound`);
    assert.equal(fn.info.arguments.length, paramCount(decl), `${name}: argument count`);
  }
});

test("hand-laid struct offsets equal the C compiler's", (t) => {
  let cc: string | null = null;
  for (const c of ["gcc", "cc", "clang"]) {
    try {
      execFileSync(c, ["--version"], { stdio: "ignore" });
      cc = c;
      break;
    } catch {}
  }
  if (!cc || !existsSync("/usr/include/bpf/bpf.h")) {
    t.skip("needs a C compiler and libbpf-dev headers");
    return;
  }
  const lines: string[] = [];
  for (const [struct, fields] of Object.entries(OPTS_LAYOUT)) {
    for (const [field, value] of Object.entries(fields)) {
      const expr = field === "size" ? `sizeof(struct ${struct})` : `offsetof(struct ${struct}, ${field})`;
      lines.push(`  printf("${struct}.${field} %zu ${value}\\n", (size_t)${expr});`);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "ibsr-offsets-"));
  try {
    const c = join(dir, "o.c");
    writeFileSync(
      c,
      `#include <stdio.h>\n#include <stddef.h>\n#include <bpf/libbpf.h>\n#include <bpf/bpf.h>\n#include <linux/bpf.h>\nint main(void){\n${lines.join("\n")}\nreturn 0;}\n`,
    );
    execFileSync(cc, ["-o", join(dir, "o"), c]);
    const out = execFileSync(join(dir, "o"), { encoding: "utf8" });
    let checked = 0;
    for (const line of out.trim().split("\n")) {
      const [what, actual, mine] = line.split(" ");
      assert.equal(
        Number(mine),
        Number(actual),
        `${what}: bindings.ts says ${mine}, the C compiler ${actual}`,
      );
      checked++;
    }
    assert.equal(checked, lines.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
