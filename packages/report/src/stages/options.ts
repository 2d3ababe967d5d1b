// What every stage may read of the run's options (the engine's RunReportOptions, with progress always set).
import type { Allowlist } from "../allowlist.js";
import type { ReportConfig } from "../model.js";
import type { TimeSpec } from "../timespec.js";

export interface StageOptions {
  inputs: string[];
  cfg: ReportConfig;
  allowlist: Allowlist;
  since: TimeSpec | null;
  until: TimeSpec | null;
  now: number | null;
  host: string | null;
  ports: number[] | null;
  progress: (msg: string) => void;
}
