// The supported Node.js versions have one owner, scripts/node-versions.sh; every package's "engines" must say
// the same minimum, and the running node must be one the project supports (CI runs the suite on 24 and 22).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { REPO_ROOT } from "../lab/netns.js";

function nodeVersions(): Record<string, string> {
  const text = readFileSync(`${REPO_ROOT}/scripts/node-versions.sh`, "utf8");
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^(NODE_[A-Z]+)=(\S+)$/gm)) out[m[1]!] = m[2]!;
  return out;
}

const cmp = (a: string, b: string) => {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
};

test("node-versions.sh: 24 is primary, 22 supported, the minimum is a Node 22 release", () => {
  const v = nodeVersions();
  assert.match(v.NODE_PRIMARY ?? "", /^24\.\d+\.\d+$/);
  assert.match(v.NODE_SECONDARY ?? "", /^22\.\d+\.\d+$/);
  assert.match(v.NODE_MIN ?? "", /^22\.\d+\.\d+$/);
  assert.ok(cmp(v.NODE_SECONDARY!, v.NODE_MIN!) >= 0, "the supported 22 release is at least the minimum");
});

test("every package.json's engines.node is >= NODE_MIN", () => {
  const min = nodeVersions().NODE_MIN!;
  for (const p of [
    "package.json",
    "packages/contract/package.json",
    "packages/collector/package.json",
    "packages/report/package.json",
  ]) {
    const pkg = JSON.parse(readFileSync(`${REPO_ROOT}/${p}`, "utf8")) as { engines?: { node?: string } };
    assert.equal(pkg.engines?.node, `>=${min}`, p);
  }
});

test("the suite runs on a supported Node.js", () => {
  const min = nodeVersions().NODE_MIN!;
  assert.ok(cmp(process.versions.node, min) >= 0, `node ${process.versions.node} is older than ${min}`);
});
