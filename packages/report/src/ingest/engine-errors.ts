// Tells a failure of the engine (memory, temp space, interrupt: the run cannot be judged) from a file that
// cannot be read (skipped and named). DuckDB prefixes every message with its error type ("Out of Memory
// Error: ..."); the type decides, and a few I/O messages that are really about spilling are engine failures too.
import { EXIT, ReportError } from "../exit-codes.js";

export type EngineErrorClass = "engine" | "file";

/** The error types (message prefixes) of DuckDB that are never a property of one input file. */
const ENGINE_TYPES = /^(Out of Memory|INTERRUPT|Interrupt|Fatal|Internal|Connection|Transaction) Error:/i;
/** I/O messages about the spill directory, not an input: no space, temp files. */
const ENGINE_IO =
  /no space left|disk quota|could not (write|create|open) (to )?(temp|tmp)|temp(orary)? (file|directory)|max_temp_directory_size|memory_limit|out of memory|interrupted/i;

export function engineMessage(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
}

/** "engine" for a resource failure (out of memory, temp space, interrupt, internal); "file" otherwise. */
export function classifyEngineError(e: unknown): EngineErrorClass {
  const msg = e instanceof Error ? e.message : String(e);
  const first = msg.split("\n")[0]!;
  if (ENGINE_TYPES.test(first) || ENGINE_IO.test(first)) return "engine";
  return "file";
}

/** The run fails (exit 1) with what happened and what to do: a resource failure is never a verdict. */
export function engineFailure(e: unknown, during: string): ReportError {
  return new ReportError(
    EXIT.IO,
    `the engine failed while ${during}: ${engineMessage(e)} (not a fault of the input; raise --memory-limit, give --temp-dir on a disk with more free space, or lower --threads, then run again)`,
  );
}

/** Rethrows `e` as an engine failure when it is one; returns the message when it is about the file. */
export function fileErrorOrThrow(e: unknown, during: string): string {
  if (classifyEngineError(e) === "engine") throw engineFailure(e, during);
  return engineMessage(e);
}
