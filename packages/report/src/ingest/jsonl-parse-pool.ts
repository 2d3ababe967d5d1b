// Parse threads for reference JSONL: file i goes to thread i mod n, at most two files ahead per thread, and the
// main thread takes each file's lines in order (the deltas need the files in order).
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { FastColumns, FastLineData } from "./jsonl-line.js";

export interface ParseRequest {
  id: number;
  file: string;
}

export type ParseMessage =
  | { id: number; t: "fast"; lineNo: number; line: FastLineData }
  | { id: number; t: "slow"; lineNo: number; bytes: Uint8Array }
  | { id: number; t: "err"; lineNo: number; reason: string }
  | { id: number; t: "end" };

type LineMessage = Exclude<ParseMessage, { t: "end" }>;

interface Inbox {
  items: ParseMessage[];
  wake: (() => void) | null;
}

// The worker is this folder's sibling module: compiled (.js), or from source (.ts) when the tests run through
// tsx, whose `--import tsx` a worker inherits with the rest of execArgv (Node 22 and 24).
const EXT = extname(fileURLToPath(import.meta.url));
const WORKER = new URL(`./jsonl-parse-worker${EXT}`, import.meta.url);
function startWorker(): Worker {
  return new Worker(WORKER);
}

/** Files handed to a thread before the main thread reaches them. */
const AHEAD = 2;

export class ParsePool {
  private readonly workers: Worker[];
  private readonly inbox = new Map<number, Inbox>();
  private sent = 0;
  private failure: Error | null = null;

  constructor(
    private readonly files: readonly string[],
    threads: number,
  ) {
    this.workers = Array.from({ length: Math.max(1, Math.min(threads, files.length)) }, () => {
      const w = startWorker();
      w.on("message", (m: ParseMessage) => this.deliver(m));
      w.on("error", (e) => this.fail(e));
      return w;
    });
    while (this.sent < Math.min(files.length, this.workers.length * AHEAD)) this.send();
  }

  private box(id: number): Inbox {
    const b = this.inbox.get(id) ?? { items: [], wake: null };
    this.inbox.set(id, b);
    return b;
  }

  private send(): void {
    const id = this.sent++;
    this.workers[id % this.workers.length]!.postMessage({ id, file: this.files[id]! } satisfies ParseRequest);
  }

  private deliver(m: ParseMessage): void {
    const b = this.box(m.id);
    b.items.push(m);
    b.wake?.();
  }

  private fail(e: Error): void {
    this.failure = e;
    for (const b of this.inbox.values()) b.wake?.();
  }

  /** The lines of file `index`, in order; the next file is handed out as this one is taken. */
  async *lines(index: number): AsyncGenerator<LineMessage> {
    if (this.sent < this.files.length) this.send();
    const b = this.box(index);
    for (;;) {
      if (this.failure) throw this.failure;
      const m = b.items.shift();
      if (!m) {
        await new Promise<void>((resolve) => {
          b.wake = resolve;
        });
        b.wake = null;
        continue;
      }
      if (m.t === "end") break;
      yield m;
    }
    this.inbox.delete(index);
  }

  /** Hands a fast line's columns back to the thread that parsed file `index`, for its next lines. */
  recycle(index: number, line: FastLineData): void {
    const cols: FastColumns = { ip: line.ip, port: line.port, cidr: line.cidr, counters: line.counters };
    this.workers[index % this.workers.length]!.postMessage({ recycle: cols }, [
      line.ip.buffer as ArrayBuffer,
      line.port.buffer as ArrayBuffer,
      line.cidr.buffer as ArrayBuffer,
      line.counters.buffer as ArrayBuffer,
    ]);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
