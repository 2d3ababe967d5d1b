// Drained keys and values read as 32-bit words: the word offsets of struct ibsr_key and ibsr_value in
// host byte order (the kernel writes host order; user space runs on the same host). A module of its own so
// the row codecs (flow-rows.ts) and the compact values (compact-values.ts) share it without a cycle.
import { KEY_SIZE, VALUE_OFFSETS, VALUE_SIZE } from "@ibsr/contract";

export const NATIVE_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
export const KEY_WORDS = KEY_SIZE / 4;
export const VALUE_WORDS = VALUE_SIZE / 4;
/** Word index of each u64 field of struct ibsr_value. */
export const VALUE_WORD = Object.fromEntries(
  Object.entries(VALUE_OFFSETS).map(([f, off]) => [f, off / 4]),
) as Record<keyof typeof VALUE_OFFSETS, number>;
/** Within a u64 stored as two 32-bit words in host order: the index of the low and of the high word. */
export const LO = NATIVE_LE ? 0 : 1;
export const HI = NATIVE_LE ? 1 : 0;
