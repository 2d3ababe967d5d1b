import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { MALLINFO2_FIELDS } from "../libbpf/bindings.js";
import { mallocInfo } from "./memory.js";

// In a fresh process (glibc state is per process), straight through libc so that nothing runs in between
// (Node frees an ArrayBuffer's memory later, on another thread): free an 8 MiB block, then take 2 MiB.
// Untuned, glibc has raised its mmap threshold past 2 MiB on that free, so the block comes from the heap (and
// would stay resident after it is freed); tuned, it is mmapped on its own.
const PROBE = `
import koffi from "koffi";
import { mallocInfo, tuneMalloc } from ${JSON.stringify(fileURLToPath(new URL("./memory.ts", import.meta.url)))};
const libc = koffi.load("libc.so.6");
const malloc = libc.func("void *malloc(size_t size)");
const free = libc.func("void free(void *ptr)");
const tuned = process.argv[1] === "tune" ? tuneMalloc() : null;
free(malloc(8 << 20));
const a = mallocInfo();
const b = malloc(2 << 20);
const c = mallocInfo();
free(b);
console.log(JSON.stringify({ tuned, mmapped: c.mmappedBytes - a.mmappedBytes, heap: c.heapBytes - a.heapBytes }));
`;

function probe(mode: "tune" | "default"): { tuned: boolean | null; mmapped: number; heap: number } {
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", PROBE, mode], {
    encoding: "utf8",
    cwd: fileURLToPath(new URL(".", import.meta.url)),
  });
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
