// glibc malloc settings for a process that runs for weeks and frees large buffers every interval.
// Node backs every ArrayBuffer (the Arrow IPC bytes of each chunk, the encoded file) with malloc. glibc
// serves a block above M_MMAP_THRESHOLD with its own mmap and unmaps it on free, but by default it raises
// that threshold (up to 32 MiB) each time such a block is freed; after that, blocks of those sizes come from
// the heap, whose freed pages mostly stay resident. Setting the threshold explicitly turns that adjustment
// off: at 100 000 entries the collector's RSS is about 20 MB lower, at no measurable cost (BENCHMARKS.md).
import { libbpf, MALLOPT } from "../libbpf/bindings.js";

/** glibc's own initial threshold: blocks of 128 KiB and more are mmapped and returned on free. */
export const MMAP_THRESHOLD_BYTES = 128 * 1024;

/**
 * Pins malloc's mmap threshold, and its trim threshold (free memory at the top of the heap beyond which
 * glibc gives it back), which the adjustment has doubled along with it by the time the collector starts:
 * loading modules already freed multi-megabyte blocks. Returns false when glibc refused either (the
 * collector runs on regardless).
 */
export function tuneMalloc(): boolean {
  const lib = libbpf();
  const mmap = lib.mallopt(MALLOPT.M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) === 1;
  return lib.mallopt(MALLOPT.M_TRIM_THRESHOLD, MMAP_THRESHOLD_BYTES) === 1 && mmap;
}

/**
 * Growth of V8's heap (or of the memory its ArrayBuffers hold) since the last collection beyond which
 * collectGarbageIfGrown collects. A snapshot at 100 000 entries leaves about 0.2-0.8 MB of heap garbage
 * (objects the 1 MiB young generation promoted during the encode); its large buffers are freed
 * explicitly (freeBuffers), so a full collection after every snapshot mostly found nothing to give back
 * and cost 10-20 ms of the snapshot's time (bench/notes/collector-snapshot-speed.md).
 */
export const GC_GROWTH_BYTES = 1 << 20;

/** Heap and ArrayBuffer bytes right after the last collection (0 before the first). */
const afterGc = { heap: 0, external: 0 };

/**
 * A full garbage collection, when node runs with --expose-gc (NODE_FLAGS); otherwise nothing. It frees
 * what the snapshot left before trimMalloc returns pages, and keeps V8's old generation from creeping up
 * with what the small young generation promoted during the encode.
 */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  gc();
  const h = process.memoryUsage();
  afterGc.heap = h.heapUsed;
  afterGc.external = h.external;
}

/**
 * collectGarbage() when the heap or the ArrayBuffers' memory grew by GC_GROWTH_BYTES or more since the
 * last collection (always the first time); the run loop calls it once after each snapshot. Returns
 * whether it collected. The memory stays as flat as with a collection every time (bench/soak.ts); the
 * old generation is allowed at most GC_GROWTH_BYTES of garbage.
 */
export function collectGarbageIfGrown(): boolean {
  // process.memoryUsage() reads the same two V8 figures (used_heap_size, external_memory) as node:v8's
  // getHeapStatistics, without loading node:v8 and its helpers into the run loop (0.3 MB).
  const h = process.memoryUsage();
  if (
    afterGc.heap !== 0 &&
    h.heapUsed - afterGc.heap < GC_GROWTH_BYTES &&
    h.external - afterGc.external < GC_GROWTH_BYTES
  )
    return false;
  collectGarbage();
  return (globalThis as { gc?: unknown }).gc !== undefined;
}

/**
 * Returns the free memory inside malloc's arenas to the kernel (madvise on free pages, not only at the top
 * of the heap, and in every thread's arena). Each snapshot frees a few MB of small blocks that the
 * thresholds above leave in place. Returns true when something was released.
 */
export function trimMalloc(): boolean {
  return libbpf().malloc_trim(0) === 1;
}

/**
 * Ends the process at once with `code` (_exit(2)). process.exit() joins libuv's thread pool on the way
 * out, so a pool thread blocked in a file operation that never returns (open of a FIFO nobody reads, a
 * hung mount) would hold the exiting process for ever; the work is over, so nothing is lost by not
 * waiting. stderr is written synchronously, so every log line is already out.
 */
export function exitNow(code: number): never {
  libbpf()._exit(code);
  process.exit(code); // not reached
}

export interface MallocInfo {
  /** Bytes in blocks glibc mmapped one by one (returned to the kernel on free). */
  mmappedBytes: number;
  /** Bytes of the main heap (sbrk) and other arenas, in use or free. */
  heapBytes: number;
  /** Of heapBytes, free. */
  freeBytes: number;
}

export function mallocInfo(): MallocInfo {
  const m = libbpf().mallinfo2();
  return { mmappedBytes: Number(m.hblkhd), heapBytes: Number(m.arena), freeBytes: Number(m.fordblks) };
}
