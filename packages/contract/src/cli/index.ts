// @ibsr/contract/cli: the command-line conventions ibsr-collect and ibsr-report share: one flag table per
// command (parsing, help and docs come from it), suggestions for typos, help layout, --version.
import { readFileSync } from "node:fs";

export * from "./flags.js";
export * from "./help.js";
export * from "./suggest.js";

/** The `version` of the package.json one folder above the calling module (src/ or dist/). */
export function packageVersion(moduleUrl: string): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", moduleUrl), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}
