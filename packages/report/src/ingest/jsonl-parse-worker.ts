// A parse thread: reads the files it is given, in order, and posts each line back (scanner columns, the bytes of
// a line for the slow path, or an error), then `end`. DuckDB and the deltas stay on the main thread.
import { parentPort } from "node:worker_threads";
import { type FastColumns, FastLine, readFastLine } from "./jsonl-line.js";
import { fileLines, isBlank } from "./jsonl-lines.js";
import type { ParseMessage, ParseRequest } from "./jsonl-parse-pool.js";

const port = parentPort!;
/** Column sets kept for reuse (the rest are dropped). */
const SPARE_MAX = 8;
/**
 * Bytes of columns posted and not yet handed back before this thread waits for the main thread: the threads
 * parse faster than the main thread takes lines, and without a bound they ran up to two files ahead holding
 * every line's columns (about 1 MB a line of 10 000 buckets, ten times that for 100 000).
 */
const IN_FLIGHT_MAX = 64 * 2 ** 20;
let inFlight = 0;
let resume: (() => void) | null = null;
const fast = new FastLine();
let queue: Promise<void> = Promise.resolve();
/** Columns the main thread handed back (ParsePool.recycle), reused for the next lines. */
const spare: FastColumns[] = [];

async function parse(req: ParseRequest): Promise<void> {
  const post = (m: ParseMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  try {
    for await (const l of fileLines(req.file)) {
      if ("error" in l) {
        post({ id: req.id, t: "err", lineNo: l.lineNo, reason: l.error });
        continue;
      }
      if (isBlank(l.b, l.start, l.end)) continue;
      if (readFastLine(l.b, l.start, l.end, fast)) {
        while (inFlight >= IN_FLIGHT_MAX)
          await new Promise<void>((r) => {
            resume = r;
          });
        const line = fast.handOff(spare.pop());
        inFlight += columnBytes(line);
        post({ id: req.id, t: "fast", lineNo: l.lineNo, line }, [
          line.ip.buffer as ArrayBuffer,
          line.port.buffer as ArrayBuffer,
          line.cidr.buffer as ArrayBuffer,
          line.counters.buffer as ArrayBuffer,
        ]);
      } else {
        const bytes = new Uint8Array(l.b.subarray(l.start, l.end));
        post({ id: req.id, t: "slow", lineNo: l.lineNo, bytes }, [bytes.buffer]);
      }
    }
  } catch (e) {
    post({ id: req.id, t: "err", lineNo: 0, reason: `cannot read file: ${(e as Error).message}` });
  }
  post({ id: req.id, t: "end" });
}

port.on("message", (m: ParseRequest | { recycle: FastColumns }) => {
  if ("recycle" in m) {
    inFlight -= columnBytes(m.recycle);
    resume?.();
    resume = null;
    if (spare.length < SPARE_MAX) spare.push(m.recycle);
    return;
  }
  queue = queue.then(() => parse(m));
});

function columnBytes(c: FastColumns): number {
  return c.ip.byteLength + c.port.byteLength + c.cidr.byteLength + c.counters.byteLength;
}
