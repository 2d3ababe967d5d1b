// Freeing large typed arrays at a known moment. Kept apart from memory.ts (which loads libc through koffi)
// so the delta engine and the sorter can use it without loading a foreign-function library.

/**
 * Gives `buffers`' memory back now, not at a later garbage collection: each is detached (every view over
 * it becomes empty), which frees its backing store at once; a buffer this large was mmapped by malloc, so
 * its pages go straight back to the kernel. A full gc() alone leaves the freeing to V8's background
 * sweeper, which could still be holding the pages when the heartbeat reads the RSS. For buffers nothing
 * reads any more; without ArrayBuffer.prototype.transfer (Node < 21) the garbage collector frees them.
 */
export function freeBuffers(...buffers: ArrayBufferLike[]): void {
  for (const b of buffers) (b as { transfer?: (length: number) => ArrayBuffer }).transfer?.(0);
}
