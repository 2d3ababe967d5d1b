import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { MALLINFO2_FIELDS } from "../libbpf/bindings.js";
import { mallocInfo } from "./memory.js";

// In a fresh process (glibc state is per process): free an 8 MiB block, then take 2 MiB. Untuned, glibc has
// raised its mmap threshold past 2 MiB on that free, so the block comes from the heap (and stays resident
// after it is freed); tuned, it is mmapped on its own.
const PROBE = `
import { mallocInfo, tuneMalloc } from ${JSON.stringify(fileURLToPath(new URL("./memory.ts", import.meta.url)))};
const tuned = process.argv[1] === "tune" ? tuneMalloc() : null;
let big = Buffer.allocUnsafeSlow(8 << 20).fill(1);
big = null;
gc();
await new Promise((r) => setTimeout(r, 50));
gc();
const a = mallocInfo();
const b = Buffer.allocUnsafeSlow(2 << 20).fill(2);
const c = mallocInfo();
console.log(JSON.stringify({ tuned, mmapped: c.mmappedBytes - a.mmappedBytes, heap: c.heapBytes - a.heapBytes, n: b.length }));
`;

function probe(mode: "tune" | "default"): { tuned: boolean | null; mmapped: number; heap: number } {
  const out = execFileSync(
    process.execPath,
    ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", PROBE, mode],
    { encoding: "utf8" },
  );
  return JSON.parse(out);
}

test("mallinfo2 reads the ten size_t fields of glibc's struct", () => {
  assert.equal(MALLINFO2_FIELDS.length, 10);
  const m = mallocInfo();
  assert.ok(m.heapBytes > 0 && m.freeBytes <= m.heapBytes, JSON.stringify(m));
});

test("tuneMalloc keeps large blocks mmapped after glibc would have moved them to the heap", () => {
  const untuned = probe("default");
  assert.equal(untuned.mmapped, 0, `untuned: ${JSON.stringify(untuned)}`);
  const tuned = probe("tune");
  assert.equal(tuned.tuned, true);
  assert.ok(tuned.mmapped >= 2 << 20, `tuned: ${JSON.stringify(tuned)}`);
});
