// Where each `run` setting comes from. Precedence, per setting: the command line, then the flag's own
// environment variable (IBSR_MAP_SIZE, ...), then the IBSR_ARGS string, then the default. Flags that set one
// thing together (-p and --dst-ports: the port set; -v and -q: the log level) are decided together, so a
// port list on the command line replaces the one in the environment instead of merging with it.
import { FlagError, type FlagValue, type ParsedFlags, parseFlags, splitArgs } from "@ibsr/contract/cli";
import { UsageError } from "./errors.js";
import { ARGS_ENV, ENV_FALSE, ENV_TRUE, RUN_FLAGS, type RunFlagSpec } from "./flags.js";
import type { RawRunArgs } from "./options.js";

export type SettingSource = "command line" | "environment" | typeof ARGS_ENV | "default";

export interface EffectiveRunArgs {
  raw: RawRunArgs;
  /** By flag name, for flags given by any source. */
  sources: Map<string, { source: SettingSource; env?: string }>;
}

export const camel = (name: string) => name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** IBSR_ARGS as flags of `run`; a word that is not one is a usage error naming the variable. */
function argsFromEnvString(text: string | undefined): ParsedFlags {
  if (text === undefined || text.trim() === "") return { values: new Map(), positionals: [] };
  try {
    const parsed = parseFlags(splitArgs(text, ARGS_ENV), RUN_FLAGS);
    if (parsed.positionals.length > 0)
      throw new UsageError(ARGS_ENV, parsed.positionals[0], "only flags of `ibsr-collect run` belong here");
    return parsed;
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    const hint = err.suggestion ? `did you mean ${err.suggestion}?` : undefined;
    throw new UsageError(
      err.flag === ARGS_ENV ? ARGS_ENV : `${ARGS_ENV}: ${err.flag}`,
      undefined,
      err.rule,
      hint,
    );
  }
}

function envValue(spec: RunFlagSpec, env: NodeJS.ProcessEnv): FlagValue | undefined {
  const text = spec.env === undefined ? undefined : env[spec.env];
  // Empty counts as unset: systemd's `Environment=IBSR_ARGS=` style leaves variables defined but empty.
  if (text === undefined || text.trim() === "") return undefined;
  if (spec.kind === "boolean") {
    const t = text.trim().toLowerCase();
    if (ENV_TRUE.includes(t)) return true;
    if (ENV_FALSE.includes(t)) return false;
    throw new UsageError(
      `${spec.env} (--${spec.name})`,
      text,
      `must be one of ${[...ENV_TRUE, ...ENV_FALSE].join(", ")}`,
    );
  }
  return spec.kind === "list" ? [text] : text;
}

/** The settings of `run` from the command line, the environment and IBSR_ARGS, with each one's source. */
export function effectiveRunArgs(
  cmdline: ParsedFlags,
  env: NodeJS.ProcessEnv = process.env,
): EffectiveRunArgs {
  const fromArgsEnv = argsFromEnvString(env[ARGS_ENV]);
  const raw: Record<string, unknown> = {};
  const sources: EffectiveRunArgs["sources"] = new Map();
  const settings = new Map<string, RunFlagSpec[]>();
  for (const f of RUN_FLAGS) {
    const key = f.setting ?? f.name;
    settings.set(key, [...(settings.get(key) ?? []), f]);
  }
  for (const flags of settings.values()) {
    const layers: [SettingSource, (f: RunFlagSpec) => FlagValue | undefined][] = [
      ["command line", (f) => cmdline.values.get(f.name)],
      ["environment", (f) => envValue(f, env)],
      [ARGS_ENV, (f) => fromArgsEnv.values.get(f.name)],
    ];
    for (const [source, read] of layers) {
      const found = flags.map((f) => [f, read(f)] as const).filter(([, v]) => v !== undefined);
      if (found.length === 0) continue;
      for (const [f, v] of found) {
        raw[camel(f.name)] = v;
        sources.set(f.name, source === "environment" ? { source, env: f.env! } : { source });
      }
      break;
    }
  }
  return { raw: raw as RawRunArgs, sources };
}

/**
 * A usage error about a value that came from the environment names where it came from:
 * `IBSR_MAP_SIZE (--map-size) "0": ...` or `IBSR_ARGS: --map-size "0": ...`.
 */
export function attributeError(err: unknown, eff: EffectiveRunArgs): unknown {
  if (!(err instanceof UsageError)) return err;
  const long = /--([a-z0-9-]+)$/.exec(err.flag)?.[1];
  if (!long) return err;
  const group = RUN_FLAGS.find((f) => f.name === long)?.setting;
  // The source of the flag named, or of a flag of the same setting (-p's error when the ports came from IBSR_PORTS).
  const src =
    eff.sources.get(long) ??
    RUN_FLAGS.filter((f) => group && f.setting === group)
      .map((f) => eff.sources.get(f.name))
      .find((s) => s !== undefined);
  if (!src || src.source === "command line") return err;
  return err.relabel(src.source === "environment" ? `${src.env} (${err.flag})` : `${ARGS_ENV}: ${err.flag}`);
}
