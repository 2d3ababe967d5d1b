// Test-only code stays out of production: each package's helpers for tests, benchmarks and demos sit in
// its `src/testing/` folder, exported only as `@ibsr/<pkg>/testing` and imported by no production module;
// the network-namespace lab (lab/) that live tests, bench, the demo and deploy measurements share is not
// the test harness, so nothing outside test/ imports from test/.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";

const ROOT = join(import.meta.dirname, "..");
const PACKAGES = readdirSync(join(ROOT, "packages")).sort();

function tsFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, encoding: "utf8" }) as string[])
    .filter((f) => f.endsWith(".ts") && !f.includes("node_modules"))
    .map((f) => join(dir, f));
}

/** Every module specifier a file imports, statically or dynamically, or re-exports. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)"([^"]+)"/gm)].map((m) => m[1]!);
}

const isTest = (f: string) => f.endsWith(".test.ts");
const inTesting = (f: string) => /\/src\/testing\//.test(f);

test("no production module imports a testing folder, a testing entry point or the test tree", () => {
  const offenders: string[] = [];
  let checked = 0;
  for (const pkg of PACKAGES) {
    for (const f of tsFiles(join(ROOT, "packages", pkg, "src"))) {
      if (isTest(f) || inTesting(f)) continue;
      checked++;
      for (const s of specifiers(f))
        if (/(^|\/)testing(\/|\.js$|$)|(^|\/)test\/|(^|\/)lab\//.test(s))
          offenders.push(`${relative(ROOT, f)} imports ${s}`);
    }
  }
  assert.ok(checked > 100, `checked only ${checked} production modules`);
  assert.deepEqual(offenders, []);
});

test("test-only modules under src/ live in a testing/ folder", () => {
  // Names that say "for tests" (test-objects.ts, sample-model.ts, fixtures, mocks) outside testing/.
  const misplaced = PACKAGES.flatMap((pkg) => tsFiles(join(ROOT, "packages", pkg, "src")))
    .filter((f) => !isTest(f) && !inTesting(f))
    .filter((f) => /(^|[-_/])(test|tests|sample|fixtures?|mocks?|fake)([-_.][^/]*)?\.ts$/.test(f))
    .map((f) => relative(ROOT, f));
  assert.deepEqual(misplaced, []);
});

test("a package's testing folder is exported only as its ./testing entry point", () => {
  for (const pkg of PACKAGES) {
    const dir = join(ROOT, "packages", pkg);
    const hasTesting = readdirSync(join(dir, "src")).includes("testing");
    const exports = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).exports as Record<
      string,
      { default: string }
    >;
    for (const [key, target] of Object.entries(exports))
      if (key !== "./testing")
        assert.ok(!target.default.includes("/testing/"), `${pkg}: ${key} exposes ${target.default}`);
    if (hasTesting)
      assert.equal(
        exports["./testing"]?.default,
        "./dist/testing/index.js",
        `${pkg} lacks a ./testing export`,
      );
  }
});

test("bench, scripts and deploy import nothing from the test tree", () => {
  const offenders: string[] = [];
  for (const d of ["bench", "scripts", "deploy", "lab"])
    for (const f of tsFiles(join(ROOT, d)))
      for (const s of specifiers(f))
        if (/(^|\/)test\//.test(s) || /\/src\/testing\//.test(s))
          offenders.push(`${relative(ROOT, f)} imports ${s}`);
  assert.deepEqual(offenders, []);
});
