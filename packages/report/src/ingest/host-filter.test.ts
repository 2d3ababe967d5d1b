import assert from "node:assert/strict";
import { test } from "node:test";
import { sanitizePathComponent } from "@ibsr/contract";
import { ReportError } from "../exit-codes.js";
import { parseHostFilter } from "./host-filter.js";

/** The --host text that selects exactly `name`: every pattern or list character, and blanks, escaped. */
const literal = (name: string) => name.replace(/[\\*?[,\s]/g, "\\$&");

test("several names and glob patterns: whole-name, case-sensitive matches", () => {
  const f = parseHostFilter("edge-*, core-1 ,db-?,cache-[a-c],web-[!0-4]");
  const yes = ["edge-", "edge-eu-1", "core-1", "db-7", "cache-b", "web-9", "web-x"];
  const no = ["Edge-1", "core-10", "xcore-1", "db-", "db-77", "cache-d", "web-3", "web-42"];
  for (const h of yes) assert.ok(f.matches(h), h);
  for (const h of no) assert.ok(!f.matches(h), h);
  assert.equal(f.single, null);
  assert.equal(parseHostFilter("core-1").single, "core-1");
});

test("names holding glob, list and RegExp characters are selected exactly when escaped", () => {
  const hostile = [
    "edge*",
    "a,b",
    "x[1]",
    "q?",
    "back\\slash",
    "a.b",
    "(a|b)+",
    "^$",
    "trailing ",
    " leading",
  ];
  const others = ["edgeX", "edge-1", "a", "b", "x1", "qq", "axb", "a", "trailing", "leading"];
  for (const h of hostile) {
    const f = parseHostFilter(literal(h));
    assert.ok(f.matches(h), `${JSON.stringify(literal(h))} selects ${JSON.stringify(h)}`);
    assert.equal(f.single, h);
    for (const o of [...others, ...hostile.filter((x) => x !== h)])
      assert.ok(!f.matches(o), `${JSON.stringify(literal(h))} must not select ${JSON.stringify(o)}`);
  }
  // All of them at once, as one list.
  const all = parseHostFilter(hostile.map(literal).join(","));
  for (const h of hostile) assert.ok(all.matches(h), h);
  for (const o of others) assert.ok(!all.matches(o), o);
});

test("malformed lists and patterns are usage errors naming --host", () => {
  for (const bad of ["a,", ",a", "a,,b", "edge-[a", "edge\\", " , "])
    assert.throws(
      () => parseHostFilter(bad),
      (e: unknown) => e instanceof ReportError && /--host/.test(e.message),
      bad,
    );
});

test("a host folder is never left out when the filter selects a host it can hold (sanitised names)", () => {
  // Names whose folder differs from the name: characters outside [A-Za-z0-9._-], astral characters, a leading dot.
  const alphabet = ["a", "Z", "0", ".", "_", "-", " ", "*", "?", "[", "]", ",", "\\", "é", "😀", "/", "="];
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 400; i++) {
    const name = Array.from({ length: 1 + rnd(8) }, () => alphabet[rnd(alphabet.length)]).join("");
    const folder = sanitizePathComponent(name);
    // The name itself, and a pattern with some characters made wildcards.
    const chars = [...name];
    const wild = chars.map((ch) => (rnd(4) === 0 ? "?" : rnd(6) === 0 ? "*" : literal(ch))).join("");
    for (const pattern of [literal(name), wild]) {
      const f = parseHostFilter(pattern);
      assert.ok(f.matches(name), `${JSON.stringify(pattern)} selects ${JSON.stringify(name)}`);
      assert.ok(f.mayMatchFolder(folder), `${JSON.stringify(pattern)} may match folder ${folder}`);
    }
  }
  // And folders of other hosts are left out.
  const f = parseHostFilter("edge-*,core-1");
  for (const folder of ["core-2", "web-1", "edg"]) assert.ok(!f.mayMatchFolder(folder), folder);
  assert.ok(f.mayMatchFolder("edge-1"));
});
