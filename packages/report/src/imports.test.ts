// The import graph's rules: renderers read the report model and nothing else of the reporter (no engine, no
// ingest, no analysis), and modules are imported statically with their types (no URL-string imports).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = dirname(fileURLToPath(import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? tsFiles(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : [],
  );
}

/** Every module specifier in the file: static imports and re-exports, side-effect imports, import(). */
function specifiers(text: string): string[] {
  const out: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\s*\(\s*([^)]*)\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) out.push(m[1]!.trim());
  return out;
}

const RENDER = join(SRC, "render");
/** What a renderer may import from the reporter: other renderers and the model's types. */
const ALLOWED_INSIDE = [RENDER + sep, join(SRC, "model.ts")];
const ALLOWED_PACKAGES = ["handlebars"];

test("no module under render/ imports the engine, ingest, analysis or anything but the model", () => {
  const files = tsFiles(RENDER).filter((f) => !f.endsWith(".test.ts"));
  assert.ok(files.length > 10, "the render directory was found");
  const bad: string[] = [];
  for (const f of files) {
    for (const spec of specifiers(readFileSync(f, "utf8"))) {
      const where = `${relative(SRC, f)} imports ${spec}`;
      if (spec.startsWith(".")) {
        const target = resolve(dirname(f), spec).replace(/\.js$/, ".ts");
        if (!ALLOWED_INSIDE.some((a) => (a.endsWith(sep) ? target.startsWith(a) : target === a)))
          bad.push(where);
      } else if (!spec.startsWith("node:") && !ALLOWED_PACKAGES.includes(spec)) bad.push(where);
    }
  }
  assert.deepEqual(bad, []);
});

test("the import scan sees every kind of import (so the rule above cannot pass by missing one)", () => {
  const text = [
    'import type { EvidenceRow } from "../engine.js";',
    'import {\n  a,\n  b,\n} from "../ingest/scan.js";',
    'export { x } from "../analysis/decide.js";',
    'import "../side-effect.js";',
    'const m = await import(new URL("./x.js", import.meta.url).href);',
  ].join("\n");
  const got = specifiers(text);
  assert.deepEqual(got.slice(0, 4), [
    "../engine.js",
    "../ingest/scan.js",
    "../analysis/decide.js",
    "../side-effect.js",
  ]);
  assert.equal(got.length, 5);
});

// The command-line entry points defer the engine with import("./literal.js") so that --help starts without
// DuckDB (test/report-startup.test.ts); a literal relative specifier keeps the types and the import graph
// readable by this file's checks. Anything else (a computed or URL specifier) is refused.
const LITERAL_DYNAMIC = /\bimport\s*\(\s*"\.{1,2}\/[^"]+\.js"\s*\)/g;

test("production modules import statically: no import() of a computed or URL string", () => {
  const files = tsFiles(SRC).filter((f) => !f.endsWith(".test.ts") && !f.includes(`${sep}testing${sep}`));
  const dynamic = files.filter((f) =>
    /\bimport\s*\(/.test(readFileSync(f, "utf8").replaceAll(LITERAL_DYNAMIC, "")),
  );
  assert.deepEqual(
    dynamic.map((f) => relative(SRC, f)),
    [],
  );
  assert.equal('await import("./report.js")'.replaceAll(LITERAL_DYNAMIC, ""), "await ");
  assert.match(
    'await import(new URL("./x.js", import.meta.url).href)'.replaceAll(LITERAL_DYNAMIC, ""),
    /import\(/,
  );
});

test("no module under explain/render-* imports the engine, ingest or analysis (explain's renderers are pure)", () => {
  const files = tsFiles(join(SRC, "explain")).filter(
    (f) => /render-[^/]*\.ts$/.test(f) && !f.endsWith(".test.ts"),
  );
  assert.equal(files.length, 2);
  const allowed = [join(SRC, "explain", "model.ts"), RENDER + sep, join(SRC, "model.ts")];
  const bad = files.flatMap((f) =>
    specifiers(readFileSync(f, "utf8"))
      .filter((spec) => {
        if (!spec.startsWith(".")) return !spec.startsWith("node:");
        const target = resolve(dirname(f), spec).replace(/\.js$/, ".ts");
        return !allowed.some((a) => (a.endsWith(sep) ? target.startsWith(a) : target === a));
      })
      .map((spec) => `${relative(SRC, f)} imports ${spec}`),
  );
  assert.deepEqual(bad, []);
});
