// The classification that keeps a resource failure from becoming a skipped file (issue 11, item 2).
import assert from "node:assert/strict";
import { test } from "node:test";
import { EXIT, ReportError } from "../exit-codes.js";
import { classifyEngineError, engineFailure, fileErrorOrThrow } from "./engine-errors.js";

test("resource failures are the engine's, file content errors are the file's", () => {
  for (const m of [
    "Out of Memory Error: failed to allocate data of size 2.0 MiB (2.3 MiB/2.8 MiB used)",
    "INTERRUPT Error: Interrupted!",
    'IO Error: Could not write to file "/tmp/x/duckdb_temp_storage-0.tmp": No space left on device',
    "IO Error: failed to offload data block of size 256.0 KiB (max_temp_directory_size reached)",
    "Fatal Error: Failed: database has been invalidated",
  ])
    assert.equal(classifyEngineError(new Error(m)), "engine", m);
  for (const m of [
    "Invalid Input Error: No magic bytes found at end of file '/d/a.parquet'",
    "Invalid Input Error: Footer length error in file '/d/a.parquet'",
    "Invalid Input Error: File '/d/a.parquet' too small to be a Parquet file",
    "Invalid Error: don't know what type: \x0f",
    "Conversion Error: Failure in decode",
    'IO Error: Cannot open file "/d/a.parquet": Permission denied',
  ])
    assert.equal(classifyEngineError(new Error(m)), "file", m);
});

test("an engine failure becomes exit 1 with the hint; a file error comes back as its first line", () => {
  const e = engineFailure(new Error("Out of Memory Error: x\nPossible solutions: ..."), "scanning");
  assert.ok(e instanceof ReportError);
  assert.equal(e.exitCode, EXIT.IO);
  assert.match(e.message, /while scanning: Out of Memory Error: x \(.*--memory-limit.*--temp-dir/);
  assert.throws(() => fileErrorOrThrow(new Error("INTERRUPT Error: Interrupted!"), "x"), ReportError);
  assert.equal(
    fileErrorOrThrow(new Error("Invalid Input Error: bad\nmore"), "x"),
    "Invalid Input Error: bad",
  );
});
