// The lines of one reference JSONL file (plain or gzip), read in large chunks: each complete line as a byte
// range, the BOM dropped from the first and a trailing \r from each; a line longer than MAX_OBJECT_SIZE or a
// failed read is reported as an error at its line number.
import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { MAX_OBJECT_SIZE } from "./queries/legacy.js";

const GZ_NAME = /\.gz$/;
const READ_CHUNK = 4 * 2 ** 20;
/**
 * A plain file's reads: 256 KB, which the kernel copies into memory still in the core's cache (a day's 2 GB took
 * 0.85 s of CPU in 4 MB reads and 0.22 s in 256 KB ones, on this machine kind).
 */
const PLAIN_READ = 256 * 1024;

export type FileLine =
  | { lineNo: number; b: Buffer; start: number; end: number }
  | { error: string; lineNo: number };

/**
 * Lines of one file: complete lines of a byte stream, BOM dropped from the first, a trailing \r dropped. A
 * line's bytes are valid until the next line is taken (a plain file is read into one buffer that is reused).
 */
export async function* fileLines(file: string): AsyncGenerator<FileLine> {
  if (!GZ_NAME.test(file)) {
    yield* plainFileLines(file);
    return;
  }
  const raw = createReadStream(file, { highWaterMark: READ_CHUNK });
  const input: Readable = GZ_NAME.test(file) ? raw.pipe(createGunzip()) : raw;
  let buf = Buffer.alloc(0);
  let lineNo = 0;
  let tooLong = false;
  const emit = function* (b: Buffer, start: number, end: number) {
    yield lineRange(b, start, end, ++lineNo);
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let data = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let start = 0;
      for (;;) {
        const nl = data.indexOf(10, start);
        if (nl < 0) break;
        if (tooLong) {
          tooLong = false;
          lineNo++;
          yield { error: `line longer than ${MAX_OBJECT_SIZE / 2 ** 20} MB, the most read`, lineNo };
        } else yield* emit(data, start, nl);
        start = nl + 1;
      }
      data = data.subarray(start);
      if (data.length > MAX_OBJECT_SIZE) {
        tooLong = true;
        data = Buffer.alloc(0);
      }
      buf = tooLong ? Buffer.alloc(0) : Buffer.from(data);
    }
    if (tooLong) {
      lineNo++;
      yield { error: `line longer than ${MAX_OBJECT_SIZE / 2 ** 20} MB, the most read`, lineNo };
    } else if (buf.length > 0) yield* emit(buf, 0, buf.length);
  } catch (e) {
    yield { error: `read failed after line ${lineNo}: ${(e as Error).message}`, lineNo: lineNo + 1 };
  } finally {
    raw.destroy();
  }
}

export function isBlank(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false;
  }
  return true;
}

/**
 * A plain file's lines, read into one buffer with the unfinished line moved to its front before each read: the
 * stream's chunks joined to the unfinished line copied every byte of a day again (about 0.3 s of each parse
 * thread's 3 s on a quarter day).
 */
async function* plainFileLines(file: string): AsyncGenerator<FileLine> {
  let lineNo = 0;
  let fh: FileHandle | undefined;
  try {
    fh = await open(file, "r");
    let buf = Buffer.allocUnsafe(2 * PLAIN_READ);
    let len = 0;
    // Where the search for the next newline resumes (the unfinished line has none before it).
    let from = 0;
    let tooLong = false;
    for (;;) {
      if (buf.length - len < PLAIN_READ) {
        const next = Buffer.allocUnsafe(Math.max(2 * buf.length, len + PLAIN_READ));
        buf.copy(next, 0, 0, len);
        buf = next;
      }
      const { bytesRead } = await fh.read(buf, len, PLAIN_READ, null);
      if (bytesRead === 0) break;
      len += bytesRead;
      const view = buf.subarray(0, len);
      let start = 0;
      for (;;) {
        const nl = view.indexOf(10, from);
        if (nl < 0) break;
        lineNo++;
        if (tooLong) {
          tooLong = false;
          yield { error: `line longer than ${MAX_OBJECT_SIZE / 2 ** 20} MB, the most read`, lineNo };
        } else yield lineRange(buf, start, nl, lineNo);
        start = nl + 1;
        from = start;
      }
      if (len - start > MAX_OBJECT_SIZE) {
        tooLong = true;
        len = 0;
        from = 0;
        continue;
      }
      // The unfinished line to the front (when a line ended in this read: a long line spans many reads).
      if (start > 0) buf.copyWithin(0, start, len);
      len -= start;
      from = len;
    }
    if (tooLong) {
      lineNo++;
      yield { error: `line longer than ${MAX_OBJECT_SIZE / 2 ** 20} MB, the most read`, lineNo };
    } else if (len > 0) yield lineRange(buf, 0, len, ++lineNo);
  } catch (e) {
    yield { error: `read failed after line ${lineNo}: ${(e as Error).message}`, lineNo: lineNo + 1 };
  } finally {
    await fh?.close();
  }
}

/** One line's range: the BOM dropped from the first line, a trailing \r dropped. */
function lineRange(b: Buffer, start: number, end: number, lineNo: number): FileLine {
  let s = start;
  if (lineNo === 1 && end - s >= 3 && b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf) s += 3;
  let e = end;
  if (e > s && b[e - 1] === 0x0d) e--;
  return { lineNo, b, start: s, end: e };
}
