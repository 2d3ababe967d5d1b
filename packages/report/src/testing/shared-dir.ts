// Where the project's shared fixtures and tools live (the reference conformance fixtures, the specs,
// tools/gen-day-jsonl.py): the repository root's sibling folder `shared/`, read in place and never copied
// (`/work/shared` beside a checkout in /work/<clone>; `<clone>/../shared` in CI). This module is the one
// owner of that location; tests and benchmarks ask it and never spell the path themselves.
//   IBSR_SHARED_DIR        overrides the whole folder;
//   IBSR_NR_IBSR_FIXTURES  overrides just the nr-ibsr conformance fixtures (shared/conformance/nr-ibsr).
// A caller that needs a shared file and cannot find it gets an error naming the path and the override:
// a missing folder is a failure, never a silent pass.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const SHARED_DIR_ENV = "IBSR_SHARED_DIR";
export const NR_IBSR_FIXTURES_ENV = "IBSR_NR_IBSR_FIXTURES";

// This file sits at packages/report/{src,dist}/testing/: the repository root is four levels up from either.
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** The shared folder: $IBSR_SHARED_DIR, else the repository root's sibling `shared/`. Not checked. */
export function sharedDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[SHARED_DIR_ENV];
  return override ? resolve(override) : resolve(REPO_ROOT, "../shared");
}

/** The nr-ibsr conformance fixtures folder: $IBSR_NR_IBSR_FIXTURES, else `conformance/nr-ibsr` in the shared folder. */
export function nrIbsrFixturesDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[NR_IBSR_FIXTURES_ENV];
  return override ? resolve(override) : join(sharedDir(env), "conformance", "nr-ibsr");
}

/** Returns `path` (a shared file or folder); throws when it is absent, naming it and the overrides. */
export function requireShared(path: string, env: NodeJS.ProcessEnv = process.env): string {
  if (existsSync(path)) return path;
  throw new Error(
    `shared fixture not found: ${path} (shared folder: ${sharedDir(env)}, by default the repository root's ` +
      `sibling shared/; set ${SHARED_DIR_ENV} to where it is, or ${NR_IBSR_FIXTURES_ENV} for the nr-ibsr conformance fixtures alone)`,
  );
}

/** A file or folder inside the shared folder (`sharedPath("tools", "gen-day-jsonl.py")`), required to exist. */
export function sharedPath(...parts: string[]): string {
  return requireShared(join(sharedDir(), ...parts));
}

/** An nr-ibsr conformance fixture (or the folder itself with no parts), required to exist. */
export function nrIbsrFixture(...parts: string[]): string {
  return requireShared(join(nrIbsrFixturesDir(), ...parts));
}
