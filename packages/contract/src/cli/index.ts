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

/**
 * A reader that closed the pipe (`... --json | head -1`) ends the output, not the command with an error:
 * on EPIPE run `beforeExit` (temporary files) and exit 0, as the reader asked for no more.
 */
export function endQuietlyOnEpipe(stream: NodeJS.WriteStream, beforeExit: () => void = () => {}): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    beforeExit();
    process.exit(0);
  });
}
