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
 * A full garbage collection, when node runs with --expose-gc (NODE_FLAGS); otherwise nothing. Called once
 * after each snapshot: it frees the snapshot's buffers before trimMalloc returns their pages, and keeps V8's
 * old generation from creeping up with what the small young generation promoted during the encode. A few
 * milliseconds once an interval.
 */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
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
