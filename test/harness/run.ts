// A command run to completion for end-to-end tests (bundle, npm tarballs, Debian package): exit code and
// output as text, bounded in time (spawnSync kills it at the timeout); a command that cannot start throws.
import { spawnSync } from "node:child_process";

export interface RunOpts {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Default 60 s. */
  timeout?: number;
}

export function run(cmd: string, args: string[], opts: RunOpts = {}) {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    timeout: opts.timeout ?? 60_000,
    cwd: opts.cwd,
    env: opts.env,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
