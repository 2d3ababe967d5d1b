// docs/safety.md is the reference for rule ids: every id a layer can report must be documented there.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { LOADED_RULES, OBJECT_RULES, SOURCE_RULES } from "./findings.js";

const here = dirname(fileURLToPath(import.meta.url));
const docs = readFileSync(join(resolve(here, "../../../.."), "docs/safety.md"), "utf8");

test("every rule id is documented in docs/safety.md", () => {
  for (const id of [
    ...Object.keys(OBJECT_RULES),
    ...Object.keys(SOURCE_RULES),
    ...Object.keys(LOADED_RULES),
  ]) {
    assert.ok(docs.includes(`\`${id}\``), `docs/safety.md does not mention \`${id}\``);
  }
});

test("every rule id the code reports is in a rule table", () => {
  const known = new Set([
    ...Object.keys(OBJECT_RULES),
    ...Object.keys(SOURCE_RULES),
    ...Object.keys(LOADED_RULES),
  ]);
  for (const file of ["analyze.ts", "object.ts", "source.ts", "loaded.ts"]) {
    const text = readFileSync(join(here, file), "utf8");
    // report("rule", ...), add("rule", ...): the first string argument of those calls.
    for (const m of text.matchAll(/\b(?:report|add)\(\s*"([a-z0-9-]+)"/g)) {
      assert.ok(known.has(m[1]!), `${file} reports ${m[1]}, which no rule table lists`);
    }
  }
});
