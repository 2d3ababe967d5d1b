// Files checked before any line is read: a `.gz` file that is not a whole gzip stream is skipped whole, by name
// (read line by line it would lose its tail silently), and so is gzip data under a name not ending in .gz.
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { SkippedInput } from "../model.js";

const BOM = [0xef, 0xbb, 0xbf] as const;
const GZIP_MAGIC = [0x1f, 0x8b] as const;
/** DuckDB decides compression by the file name, so the name is what must match the content. */
const GZ_NAME = /\.gz$/;
/** Files checked at once (each check is I/O, and zlib runs in the thread pool). */
const PARALLEL = 4;

export interface JsonlPreflight {
  /** Files DuckDB can read, in input order. */
  readable: string[];
  /** Files skipped whole, with the reason. */
  skipped: SkippedInput[];
  /** Readable files whose text starts with a UTF-8 BOM. */
  bom: string[];
}

function errText(e: unknown): string {
  // Node's errno messages already start with the code ("ENOENT: no such file ..."); zlib's do not.
  const err = e as NodeJS.ErrnoException;
  if (!(e instanceof Error)) return String(e);
  return err.code && !err.message.startsWith(err.code) ? `${err.code}: ${err.message}` : err.message;
}

function startsWithBom(b: Buffer): boolean {
  return b.length >= 3 && b[0] === BOM[0] && b[1] === BOM[1] && b[2] === BOM[2];
}

/** Reads a whole stream, keeping only its first bytes; rejects on a stream error. */
function headOf(s: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    s.on("data", (chunk: Buffer) => {
      if (head.length < 3) head = Buffer.concat([head, chunk]).subarray(0, 3);
    });
    s.on("error", reject);
    s.on("end", () => resolve(head));
  });
}

type Verdict = { skip: string } | { bom: boolean };

async function check(file: string): Promise<Verdict> {
  const raw = createReadStream(file);
  if (!GZ_NAME.test(file)) {
    // Only the first bytes matter for a plain file.
    const first = await new Promise<Buffer>((resolve, reject) => {
      raw.once("error", reject);
      raw.once("end", () => resolve(Buffer.alloc(0)));
      raw.once("data", (c) => resolve(c as Buffer));
    }).finally(() => raw.destroy());
    // DuckDB would read the compressed bytes as text and reject every line.
    if (first.length >= 2 && first[0] === GZIP_MAGIC[0] && first[1] === GZIP_MAGIC[1])
      return { skip: "gzip data in a file not named .gz; the file is not read (rename it to end in .gz)" };
    return { bom: startsWithBom(first) };
  }
  // The whole stream is inflated once: a truncated or corrupt one fails at its end, not at its start.
  const gunzip = createGunzip();
  let magic: Buffer | null = null;
  raw.once("data", (c) => {
    magic = c as Buffer;
  });
  raw.on("error", (e) => gunzip.destroy(e));
  try {
    const head = await headOf(raw.pipe(gunzip));
    return { bom: startsWithBom(head) };
  } catch (e) {
    const m = magic as Buffer | null;
    if (m !== null && !(m.length >= 2 && m[0] === GZIP_MAGIC[0] && m[1] === GZIP_MAGIC[1]))
      return { skip: "named .gz but not gzip data; the file is not read" };
    if (m === null) return { skip: "named .gz but empty (no gzip data); the file is not read" };
    return { skip: `gzip stream is truncated or corrupt (${errText(e)}); the file is not read` };
  } finally {
    raw.destroy();
  }
}

/** Sorts JSONL inputs into readable (with the BOM ones marked) and skipped, before DuckDB sees them. */
export async function preflightJsonl(files: readonly string[]): Promise<JsonlPreflight> {
  const verdicts: Verdict[] = new Array(files.length);
  for (let i = 0; i < files.length; i += PARALLEL) {
    const batch = files.slice(i, i + PARALLEL);
    const got = await Promise.all(
      batch.map((f) => check(f).catch((e): Verdict => ({ skip: `cannot read file: ${errText(e)}` }))),
    );
    got.forEach((v, j) => {
      verdicts[i + j] = v;
    });
  }
  const out: JsonlPreflight = { readable: [], skipped: [], bom: [] };
  files.forEach((file, i) => {
    const v = verdicts[i]!;
    if ("skip" in v) out.skipped.push({ file, line: null, reason: v.skip });
    else {
      out.readable.push(file);
      if (v.bom) out.bom.push(file);
    }
  });
  return out;
}
