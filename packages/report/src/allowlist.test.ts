import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePrefix } from "@ibsr/contract";
import { parseAllowlist } from "./allowlist.js";
import { EXIT, ReportError } from "./exit-codes.js";

const key = (t: string) => parsePrefix(t, { allowHostBits: true });

test("addresses and CIDRs of both families, comments whole-line and inline", () => {
  const al = parseAllowlist(
    "# office\n198.18.0.1  # gateway\n\n10.0.0.5/24\n2001:2::/48 # lab\n2001:2:0:1::1\n198.18.0.1\n",
    "allow.txt",
  );
  assert.deepEqual(
    al.entries.map((e) => e.text),
    ["10.0.0.0/24", "198.18.0.1", "2001:2::/48", "2001:2:0:1::1"],
  );
  assert.ok(al.contains(key("10.0.0.77")));
  assert.ok(al.contains(key("198.18.0.1")));
  assert.ok(!al.contains(key("198.18.0.2")));
  assert.ok(al.contains(key("2001:2:0:9::/64")), "a /64 key inside a /48");
  assert.ok(!al.contains(key("2001:3::/64")));
  assert.ok(!al.contains(key("::ffff:198.18.0.1")), "v4-mapped stays IPv6");
});

test("errors name file:line and exit 3", () => {
  for (const [text, line] of [
    ["198.18.0.1\n198.18.0.999\n", 2],
    ["# x\n\n2001:2::/129\n", 3],
    ["198.18.0.1 198.18.0.2\n", 1],
  ] as const)
    assert.throws(
      () => parseAllowlist(text, "a.txt"),
      (e: unknown) =>
        e instanceof ReportError && e.exitCode === EXIT.CONFIG && e.message.includes(`a.txt:${line}:`),
      text,
    );
});
