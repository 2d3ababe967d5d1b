// Tests run `explain` the way the CLI does, with the defaults of an empty command line (as reportOn does for
// the report); each test states only what it changes.
import { DEFAULT_CONFIG } from "../config.js";
import { type ExplainOptions, runExplain } from "../explain/explain.js";
import type { ExplainModel } from "../explain/model.js";
import { parseTarget } from "../explain/target.js";
import type { ReportConfig } from "../model.js";
import { DEFAULT_RUN_OPTIONS } from "./run-report.js";

export type TestExplainOptions = Partial<Omit<ExplainOptions, "cfg" | "target">> & {
  cfg?: Partial<ReportConfig>;
};

/** runExplain of `target` (address or CIDR text) over `inputs` with default thresholds, except `opts`. */
export function explainOn(
  target: string,
  inputs: string | string[],
  opts: TestExplainOptions = {},
): Promise<ExplainModel> {
  return runExplain({
    ...DEFAULT_RUN_OPTIONS,
    ...opts,
    target: parseTarget(target),
    inputs: Array.isArray(inputs) ? inputs : [inputs],
    cfg: { ...DEFAULT_CONFIG, ...opts.cfg },
  });
}
