import assert from "node:assert/strict";
import { test } from "node:test";
import { liveUnavailableReason } from "./live.js";

test("live probe answers with null or a reason naming what is missing", () => {
  const why = liveUnavailableReason();
  if (why !== null) assert.match(why, /root|BPF/);
  else assert.equal(process.getuid?.(), 0);
});
