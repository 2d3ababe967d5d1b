// What an install of the collector carries: apache-arrow only decodes snapshots back for tests
// (testing/parquet-read.ts), so it is a dev dependency and no production module may import it.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(SRC, "..", "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
};

test("apache-arrow is a dev dependency of the collector, not a runtime one", () => {
  assert.equal(pkg.dependencies["apache-arrow"], undefined);
  assert.ok(pkg.devDependencies?.["apache-arrow"], "the testing reader needs it in development");
});

test("no production module of the collector imports apache-arrow", () => {
  const files = (readdirSync(SRC, { recursive: true, encoding: "utf8" }) as string[]).filter(
    (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.startsWith("testing/"),
  );
  assert.ok(files.length > 50, `only ${files.length} production modules found`);
  const offenders = files.filter((f) =>
    /(?:from|import)\s*\(?\s*"apache-arrow"/.test(readFileSync(join(SRC, f), "utf8")),
  );
  assert.deepEqual(
    offenders.map((f) => relative(SRC, join(SRC, f))),
    [],
  );
});
