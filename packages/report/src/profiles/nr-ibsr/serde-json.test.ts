// serde_json's pretty layout equals JSON.stringify(v, null, 2) except for float text, so JSON.stringify is the
// oracle for structure and escaping; floats are where they must differ.
import assert from "node:assert/strict";
import { test } from "node:test";
import { escapeJsonString, f64, toPrettyJson } from "./serde-json.js";

test("string escaping matches JSON.stringify (serde_json escapes the same set)", () => {
  let all = "";
  for (let c = 0; c < 0x180; c++) all += String.fromCharCode(c);
  all += '/"\\\u2028\u{1f600}';
  assert.equal(escapeJsonString(all), JSON.stringify(all));
  assert.equal(escapeJsonString("\u001f"), '"\\u001f"', "lowercase hex");
});

test("pretty layout matches JSON.stringify(v, null, 2) for integers; floats keep serde's text", () => {
  const v = { a: [], b: {}, c: [1, [2, { d: null }]], e: "x", f: true, g: 18446744073709551615n };
  const oracle = JSON.stringify({ ...v, g: 0 }, null, 2).replace('"g": 0', '"g": 18446744073709551615');
  assert.equal(toPrettyJson(v), oracle);
  assert.equal(
    toPrettyJson({ rate: f64(100), pct: f64(28.84111169375983), tiny: f64(1e-7) }),
    '{\n  "rate": 100.0,\n  "pct": 28.84111169375983,\n  "tiny": 1e-7\n}',
  );
  assert.throws(() => toPrettyJson({ x: 0.5 }), /wrap floats in f64/);
});
