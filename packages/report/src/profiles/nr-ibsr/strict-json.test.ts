// The strict reader against JSON.parse as an oracle: same values on valid text, same accept/reject decision
// on thousands of one-character mutations (JSON's grammar is the same in both; the differences serde adds,
// such as lone surrogate escapes and the nesting limit, are tested separately).
import assert from "node:assert/strict";
import { test } from "node:test";
import { mulberry32 as rng } from "@ibsr/contract/testing";
import { parseStrictJson, type RawJson, rawUnsigned, U64_MAX } from "./strict-json.js";

function toPlain(v: RawJson): unknown {
  switch (v.t) {
    case "null":
      return null;
    case "bool":
    case "str":
      return v.v;
    case "num":
      return Number(v.text);
    case "arr":
      return v.items.map(toPlain);
    case "obj":
      return Object.fromEntries(v.members.map(([k, x]) => [k, toPlain(x)]));
  }
}

function randomValue(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 5 : 7));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor(r() * 1e6) - (r() < 0.2 ? 5e5 : 0);
    case 3:
      return (r() - 0.5) * 10 ** Math.floor(r() * 30 - 15);
    case 4:
      return String.fromCharCode(
        ...Array.from({ length: Math.floor(r() * 6) }, () => 1 + Math.floor(r() * 0x2ff)),
      );
    case 5:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(r() * 4) }, (_, i) => [`k${i}`, randomValue(r, depth + 1)]),
      );
  }
}

const accepts = (f: () => unknown): boolean => {
  try {
    f();
    return true;
  } catch {
    return false;
  }
};

test("valid JSON: the same values as JSON.parse", () => {
  const r = rng(42);
  for (let i = 0; i < 2000; i++) {
    const text = JSON.stringify(randomValue(r, 0), null, r() < 0.5 ? 1 : undefined);
    assert.deepEqual(toPlain(parseStrictJson(text)), JSON.parse(text), text);
  }
});

test("one-character mutations: accepted exactly when JSON.parse accepts", () => {
  const r = rng(7);
  const alphabet = ' {}[]",:0123456789-+.eEtrufalsn\\/\t\nx';
  let rejected = 0;
  for (let i = 0; i < 5000; i++) {
    const text = JSON.stringify(randomValue(r, 0));
    const at = Math.floor(r() * (text.length + 1));
    const ch = alphabet[Math.floor(r() * alphabet.length)]!;
    const mode = Math.floor(r() * 3);
    const mutated =
      mode === 0
        ? text.slice(0, at) + ch + text.slice(at)
        : mode === 1
          ? text.slice(0, at) + ch + text.slice(at + 1)
          : text.slice(0, at) + text.slice(at + 1);
    const oracle = accepts(() => JSON.parse(mutated));
    if (!oracle) rejected++;
    assert.equal(
      accepts(() => parseStrictJson(mutated)),
      oracle,
      JSON.stringify(mutated),
    );
  }
  assert.ok(rejected > 1000, `only ${rejected} mutations were invalid JSON`);
});

test("serde's extra strictness: lone surrogates, nesting limit, typed integers", () => {
  assert.throws(() => parseStrictJson('"\\ud800"'), /lone leading surrogate/);
  assert.throws(() => parseStrictJson('"\\udc00x"'), /lone trailing surrogate/);
  assert.equal((parseStrictJson('"\\ud83d\\ude00"') as { v: string }).v, "\u{1f600}");
  assert.throws(() => parseStrictJson(`${"[".repeat(129)}${"]".repeat(129)}`), /recursion limit/);
  assert.doesNotThrow(() => parseStrictJson(`${"[".repeat(128)}${"]".repeat(128)}`));
  assert.throws(() => parseStrictJson("1 2"), /trailing characters at line 1 column 3/);
  assert.equal(rawUnsigned(parseStrictJson("18446744073709551615"), "x", U64_MAX), U64_MAX);
  assert.throws(() => rawUnsigned(parseStrictJson("18446744073709551616"), "x", U64_MAX), /expected at most/);
  assert.throws(() => rawUnsigned(parseStrictJson("1e3"), "x", U64_MAX), /floating point/);
  assert.throws(() => rawUnsigned(parseStrictJson("-0"), "x", U64_MAX), /unsigned/);
});
