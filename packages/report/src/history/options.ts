// Where the history store is, from --history / --no-history and the output directory. Loads nothing heavy.
import { dirname, join, resolve, sep } from "node:path";
import { EXIT, ReportError } from "../exit-codes.js";
import { realPathLoose } from "../output.js";
import type { HistoryOptions } from "../stages/history.js";

/** The default store's directory name, beside the report's output directory. */
export const HISTORY_DIR_NAME = "ibsr-history";

const within = (inner: string, outer: string) =>
  inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);

/**
 * The store: --history DIR, else `ibsr-history` beside the output directory (its parent's child, never inside
 * it: the writer replaces the output directory's files). Null with --no-history. Refused (usage error) inside
 * the output directory or an input (its records would be read as snapshots), or containing an input.
 */
export function resolveHistoryDir(
  given: string | undefined,
  off: boolean,
  outDir: string | undefined,
  inputs: readonly string[],
): HistoryOptions | null {
  if (off) {
    if (given !== undefined)
      throw new ReportError(EXIT.USAGE, "--history and --no-history: give one of them");
    return null;
  }
  // Without -o the report goes to ./ibsr-report-<date>: its parent is the working directory.
  const dir = given ?? join(dirname(resolve(outDir ?? "./ibsr-report")), HISTORY_DIR_NAME);
  const real = realPathLoose(dir);
  const refuse = (why: string) =>
    new ReportError(
      EXIT.USAGE,
      `--history ${JSON.stringify(dir)}: ${why}; give --history a directory of its own (or --no-history)`,
    );
  if (outDir !== undefined) {
    const out = realPathLoose(outDir);
    if (within(real, out))
      throw refuse(`is inside the output directory ${out}, whose files each report replaces`);
  }
  // The inputs themselves (not the directories they link to: that walk is the output check's, once). The
  // default lies inside an input only when the output does, which the output check refuses with its own words.
  if (given !== undefined)
    for (const input of inputs.map((i) => realPathLoose(i))) {
      if (within(real, input))
        throw refuse(`is inside the input ${input} (its records would be read as snapshots)`);
      if (within(input, real)) throw refuse(`contains the input ${input}`);
    }
  return { dir };
}
