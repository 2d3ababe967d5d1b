import assert from "node:assert/strict";
import { test } from "node:test";
import { isoSeconds, parseTimeSpec, resolveTimeSpec } from "./timespec.js";

test("unix, ISO 8601 and relative times", () => {
  assert.deepEqual(parseTimeSpec("1700000000", "--since"), { kind: "abs", t: 1_700_000_000 });
  assert.deepEqual(parseTimeSpec("2023-11-14T22:13:20Z", "--since"), { kind: "abs", t: 1_700_000_000 });
  assert.deepEqual(parseTimeSpec("2023-11-14", "--since"), { kind: "abs", t: 1_699_920_000 });
  assert.deepEqual(parseTimeSpec("-24h", "--since"), { kind: "rel", offsetSec: -86_400 });
  assert.deepEqual(parseTimeSpec("-90m", "--since"), { kind: "rel", offsetSec: -5400 });
  assert.equal(resolveTimeSpec(parseTimeSpec("-2d", "--since"), 1_000_000), 1_000_000 - 172_800);
  assert.equal(resolveTimeSpec(null, 5), null);
  assert.throws(() => parseTimeSpec("last week", "--until"), /--until "last week": not a time/);
  assert.equal(isoSeconds(1_700_000_000.7), "2023-11-14T22:13:20Z");
});
