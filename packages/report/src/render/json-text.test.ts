import assert from "node:assert/strict";
import { test } from "node:test";
import { jsonText } from "./json-text.js";

test("bigint as exact numbers (strings beyond 2^53), non-finite as null, final newline", () => {
  const t = jsonText({ a: 5n, b: 2n ** 60n, c: Number.NaN, d: [1.5] });
  assert.equal(t, '{\n  "a": 5,\n  "b": "1152921504606846976",\n  "c": null,\n  "d": [\n    1.5\n  ]\n}\n');
});
