import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { MALLINFO2_FIELDS } from "../libbpf/bindings.js";
import { mallocInfo } from "./memory.js";

// What both probes start with: this module, and libc's malloc and free called straight through koffi.
const PRELUDE = `
import koffi from "koffi";
import { mallocInfo, trimMalloc, tuneMalloc } from ${JSON.stringify(fileURLToPath(new URL("./memory.ts", import.meta.url)))};
const libc = koffi.load("libc.so.6");
const malloc = libc.func("void *malloc(size_t size)");
const free = libc.func("void free(void *ptr)");
`;

// In a fresh process (glibc state is per process), straight through libc so that nothing runs in between
// (Node frees an ArrayBuffer's memory later, on another thread): free an 8 MiB block, then take 2 MiB.
// Untuned, glibc has raised its mmap threshold past 2 MiB on that free, so the block comes from the heap (and
// would stay resident after it is freed); tuned, it is mmapped on its own.
const PROBE = `${PRELUDE}
const tuned = process.argv[1] === "tune" ? tuneMalloc() : null;
free(malloc(8 << 20));
const a = mallocInfo();
const b = malloc(2 << 20);
const c = mallocInfo();
free(b);
console.log(JSON.stringify({ tuned, mmapped: c.mmappedBytes - a.mmappedBytes, heap: c.heapBytes - a.heapBytes }));
`;

// Freed small blocks below a live one stay resident (only the top of the heap is trimmed on free) until
// trimMalloc. 2000 x 16 KiB, each written so that its pages are resident; the last one stays allocated.
const TRIM_PROBE = `${PRELUDE}
import { readFileSync } from "node:fs";
const memset = libc.func("void *memset(void *s, int c, size_t n)");
const rss = () => Number(readFileSync("/proc/self/statm", "utf8").split(" ")[1]) * 4096;
tuneMalloc();
const blocks = [];
for (let i = 0; i < 2000; i++) blocks.push(memset(malloc(16384), 1, 16384));
for (const b of blocks.slice(0, -1)) free(b);
const before = rss();
const trimmed = process.argv[1] === "trim" ? trimMalloc() : null;
console.log(JSON.stringify({ trimmed, released: before - rss() }));
`;

function probe<T>(script: string, mode: string): T {
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, mode], {
    encoding: "utf8",
    cwd: fileURLToPath(new URL(".", import.meta.url)),
  });
  return JSON.parse(out);
}

type MallocProbe = { tuned: boolean | null; mmapped: number; heap: number };

test("mallinfo2 reads the ten size_t fields of glibc's struct", () => {
  assert.equal(MALLINFO2_FIELDS.length, 10);
  const m = mallocInfo();
  assert.ok(m.heapBytes > 0 && m.freeBytes <= m.heapBytes, JSON.stringify(m));
});

test("tuneMalloc keeps large blocks mmapped after glibc would have moved them to the heap", () => {
  const untuned = probe<MallocProbe>(PROBE, "default");
  assert.equal(untuned.mmapped, 0, `untuned: ${JSON.stringify(untuned)}`);
  const tuned = probe<MallocProbe>(PROBE, "tune");
  assert.equal(tuned.tuned, true);
  assert.ok(tuned.mmapped >= 2 << 20, `tuned: ${JSON.stringify(tuned)}`);
});

test("trimMalloc gives freed heap pages below a live block back to the kernel", () => {
  const kept = probe<{ trimmed: null; released: number }>(TRIM_PROBE, "keep");
  assert.ok(kept.released < 8 << 20, `without trimMalloc: ${JSON.stringify(kept)}`);
  const trimmed = probe<{ trimmed: boolean; released: number }>(TRIM_PROBE, "trim");
  assert.equal(trimmed.trimmed, true);
  assert.ok(trimmed.released >= 24 << 20, `with trimMalloc: ${JSON.stringify(trimmed)}`);
});

// In a process with --expose-gc: what collectGarbageIfGrown decides after each kind of growth.
const GC_PROBE = `
import { collectGarbageIfGrown, GC_GROWTH_BYTES } from ${JSON.stringify(fileURLToPath(new URL("./memory.ts", import.meta.url)))};
const kept = [];
const steps = {};
steps.first = collectGarbageIfGrown();
steps.idle = collectGarbageIfGrown();
// Heap objects: twice the threshold of small arrays, kept alive.
for (let i = 0, n = (2 * GC_GROWTH_BYTES) / 64; i < n; i++) kept.push([i, i + 1, i + 2, i + 3]);
steps.heapGrew = collectGarbageIfGrown();
steps.afterHeap = collectGarbageIfGrown();
// ArrayBuffer memory outside the heap, kept alive.
kept.push(new Uint8Array(2 * GC_GROWTH_BYTES).fill(1));
steps.buffersGrew = collectGarbageIfGrown();
steps.afterBuffers = collectGarbageIfGrown();
console.log(JSON.stringify({ steps, kept: kept.length > 0 }));
`;

test("collectGarbageIfGrown collects the first time and then only after the heap or its buffers grew", () => {
  const out = execFileSync(
    process.execPath,
    ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", GC_PROBE],
    { encoding: "utf8", cwd: fileURLToPath(new URL(".", import.meta.url)) },
  );
  const { steps } = JSON.parse(out) as { steps: Record<string, boolean> };
  assert.deepEqual(steps, {
    first: true,
    idle: false,
    heapGrew: true,
    afterHeap: false,
    buffersGrew: true,
    afterBuffers: false,
  });
});
