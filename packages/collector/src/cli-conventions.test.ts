// The command-line conventions of ibsr-collect, as a user meets them (spawned processes): help on every
// command, --version, typed flags in help, suggestions for typos, one environment variable per flag with
// its precedence, and help that fits 100 columns without ever wrapping an example command.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseFlags } from "@ibsr/contract/cli";
import { RUN_FLAGS } from "./flags.js";
import { COMMANDS, helpText } from "./help.js";
import { camel, effectiveRunArgs } from "./settings.js";

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, "cli.ts");
const VERSION = (JSON.parse(readFileSync(join(here, "..", "package.json"), "utf8")) as { version: string })
  .version;

function runCli(args: string[], env: Record<string, string> = {}) {
  const base: NodeJS.ProcessEnv = { ...process.env, IBSR_BPF_OBJECT: CLI };
  for (const k of Object.keys(base)) if (k.startsWith("IBSR_") && k !== "IBSR_BPF_OBJECT") delete base[k];
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...base, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("ibsr-collect CLI conventions (spawned)", () => {
  test("-h and --help exit 0 with the command's own help on every command", () => {
    for (const cmd of [[], ...COMMANDS.map((c) => [c])]) {
      for (const h of ["-h", "--help"]) {
        const r = runCli([...cmd, h]);
        assert.equal(r.code, 0, `${cmd.join(" ")} ${h}: ${r.stderr}`);
        assert.equal(r.stderr, "");
        const usage =
          cmd[0] === "verify" || cmd[0] === "status" ? `ibsr-collect ${cmd[0]} [` : "ibsr-collect [run]";
        assert.ok(r.stdout.startsWith(usage), `${cmd.join(" ")} ${h}: starts with ${usage}`);
      }
    }
  });

  test("--version prints the package.json version on every command", () => {
    for (const cmd of [[], ...COMMANDS.map((c) => [c])]) {
      const r = runCli([...cmd, "--version"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${VERSION}\n`);
    }
  });

  test("numeric flags show their unit in help, never [string]", () => {
    const r = runCli(["--help"]);
    assert.doesNotMatch(r.stdout, /\[string\]|\[number\]|\[boolean\]/);
    for (const f of RUN_FLAGS.filter((x) => x.kind === "number"))
      assert.match(r.stdout, new RegExp(`--${f.name} <${f.value}>`), f.name);
    for (const [flag, unit] of [
      ["snapshot-interval-sec", "seconds"],
      ["map-size", "entries"],
      ["max-files", "count"],
      ["max-kernel-mem", "bytes"],
      ["dst-port", "port"],
    ])
      assert.match(r.stdout, new RegExp(`--${flag} <${unit}>`));
  });

  test("a mistyped command or flag gets a suggestion, exit 2, nothing attached", () => {
    const cmd = runCli(["stauts"]);
    assert.equal(cmd.code, 2);
    assert.match(cmd.stderr, /unknown command \\"stauts\\"; did you mean \\"status\\"\?/);
    const flag = runCli(["--dst-prot", "443"]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--dst-prot: unknown flag; did you mean --dst-port\?/);
    const statusFlag = runCli(["status", "--fromat", "json"]);
    assert.equal(statusFlag.code, 2);
    assert.match(statusFlag.stderr, /--fromat: unknown flag; did you mean --format\?/);
    const far = runCli(["frobnicate"]);
    assert.equal(far.code, 2);
    assert.match(far.stderr, /unknown command \\"frobnicate\\" \(commands: run, verify, status\)/);
  });

  test("environment: a flag's variable is used, named in errors, and loses to the command line", () => {
    const env = { IBSR_SNAPSHOT_INTERVAL_SEC: "5", IBSR_ARGS: "--map-size 5000 --snapshot-interval-sec 9" };
    const cfg = runCli(["-p", "443", "-i", "lo", "--print-config"], env);
    assert.equal(cfg.code, 0, cfg.stderr);
    assert.match(cfg.stdout, /^--snapshot-interval-sec +5 +# environment IBSR_SNAPSHOT_INTERVAL_SEC$/m);
    assert.match(cfg.stdout, /^--map-size +5000 +# IBSR_ARGS$/m);
    assert.match(cfg.stdout, /^--dst-ports +443 +# command line$/m);
    assert.match(cfg.stdout, /^--max-files +10080 +# default$/m);
    const flagWins = runCli(["-p", "443", "-i", "lo", "--snapshot-interval-sec", "7", "--print-config"], env);
    assert.match(flagWins.stdout, /^--snapshot-interval-sec +7 +# command line$/m);
    const ports = runCli(["-i", "lo", "--print-config"], { IBSR_PORTS: "22,443" });
    assert.match(ports.stdout, /^--dst-ports +22,443 +# environment IBSR_PORTS$/m);

    const bad = runCli(["-p", "1", "-i", "lo"], { IBSR_MAP_SIZE: "0" });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /IBSR_MAP_SIZE \(--map-size\) \\"0\\": must be an integer from 2 to 2000000/);
    const badArgs = runCli(["-p", "1", "-i", "lo"], { IBSR_ARGS: "--map-sise 10" });
    assert.equal(badArgs.code, 2);
    assert.match(badArgs.stderr, /IBSR_ARGS: --map-sise: unknown flag/);
  });

  test("help fits 100 columns and never wraps an example command, on every command and width", () => {
    for (const cmd of COMMANDS) {
      for (const width of [100, 80, 60]) {
        const text = helpText(cmd, width);
        for (const line of text.split("\n")) assert.ok(line.length <= width, `${cmd} @${width}: "${line}"`);
        const examples = text.split("\nExamples:\n")[1]!.split("\n\n")[0]!.split("\n");
        const commands = examples.filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().split(/\s{2,}/)[0]!);
        assert.ok(commands.length >= 2);
        for (const c of commands)
          assert.match(c, /^(IBSR_\S+ )*ibsr-collect\b/, `${cmd} @${width}: whole command "${c}"`);
        for (const l of examples.filter((x) => /^ {3,}/.test(x)))
          assert.doesNotMatch(l, /ibsr-collect|--|^\s+-\w/, `${cmd} @${width}: a command went on in "${l}"`);
      }
    }
    assert.equal(runCli(["--help"]).stdout, helpText("run", 100), "not a terminal: 100 columns");
  });
});

describe("settings from the environment", () => {
  test("every flag but -p has its own variable, read when the command line does not set it", () => {
    const withEnv = RUN_FLAGS.filter((f) => f.env);
    assert.deepEqual(
      RUN_FLAGS.filter((f) => !f.env).map((f) => f.name),
      ["dst-port", "print-config"],
      "-p shares IBSR_PORTS with --dst-ports; --print-config is not a setting",
    );
    assert.equal(new Set(withEnv.map((f) => f.env)).size, withEnv.length, "one variable per flag");
    for (const f of withEnv) {
      const value = f.kind === "boolean" ? "1" : "x9";
      const eff = effectiveRunArgs(parseFlags([], RUN_FLAGS), { [f.env!]: value });
      const got = eff.raw[camel(f.name) as keyof typeof eff.raw];
      assert.deepEqual(got, f.kind === "boolean" ? true : value, f.name);
      assert.deepEqual(eff.sources.get(f.name), { source: "environment", env: f.env }, f.name);
      const cli = effectiveRunArgs(
        parseFlags([`--${f.name}`, ...(f.kind === "boolean" ? [] : ["y"])], RUN_FLAGS),
        {
          [f.env!]: value,
        },
      );
      assert.equal(cli.sources.get(f.name)?.source, "command line", `${f.name}: the command line wins`);
    }
  });

  test("docs/collector.md lists every flag's variable as the flag table has it", () => {
    const docs = readFileSync(join(here, "..", "..", "..", "docs", "collector.md"), "utf8");
    for (const f of RUN_FLAGS.filter((x) => x.env)) {
      const flag = `${f.short ? `-${f.short}, ` : ""}--${f.name}`;
      const row = new RegExp(`^\\| \`${flag}\` +\\| \`${f.env}\` +\\|`, "m");
      assert.match(docs, row, `docs/collector.md: ${flag} -> ${f.env}`);
    }
  });

  test("ports and log level are decided as one setting; empty variables count as unset", () => {
    const eff = effectiveRunArgs(parseFlags(["-p", "80"], RUN_FLAGS), {
      IBSR_PORTS: "443",
      IBSR_QUIET: "",
      IBSR_ARGS: "-v",
    });
    assert.deepEqual(eff.raw.dstPort, ["80"]);
    assert.equal(eff.raw.dstPorts, undefined, "IBSR_PORTS does not merge into a command-line port set");
    assert.equal(eff.raw.verbose, true);
    assert.equal(eff.sources.get("verbose")?.source, "IBSR_ARGS");
    assert.throws(
      () => effectiveRunArgs(parseFlags([], RUN_FLAGS), { IBSR_QUIET: "maybe" }),
      /IBSR_QUIET \(--quiet\)/,
    );
    assert.throws(() => effectiveRunArgs(parseFlags([], RUN_FLAGS), { IBSR_ARGS: "eth0" }), /only flags/);
  });
});
