// ibsr-report's command-line conventions, as a user meets them (spawned processes): -h/--help and --version
// on both commands, typed flags in help, suggestions for a mistyped command or flag (without taking a
// directory for a typo), help that fits 100 columns without wrapping an example command, and a reader that
// closes the pipe early (`--json | head -1`) ending the run quietly.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { steady, writeParquetRun } from "@ibsr/report/testing";
import { reportHelp } from "../packages/report/src/cli.js";
import { explainHelp } from "../packages/report/src/commands/explain.js";
import { importJsonlHelp } from "../packages/report/src/commands/import-jsonl.js";
import { COMMANDS } from "../packages/report/src/commands/names.js";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "../packages/report/src/cli.ts");
const VERSION = (
  JSON.parse(readFileSync(join(here, "../packages/report/package.json"), "utf8")) as { version: string }
).version;
const root = mkdtempSync(join(tmpdir(), "ibsr-report-conventions-"));
after(() => rmSync(root, { recursive: true, force: true }));
const BASE = 1_700_000_000;
const data = join(root, "snaps");
writeParquetRun(data, {
  baseTs: BASE,
  intervalSec: 60,
  snapshots: steady(BASE, 60, 4, () => [{ src: "198.18.0.1", port: 80, syn: 5, packets: 10, bytes: 100 }]),
});

function run(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), cli, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("ibsr-report CLI conventions", () => {
  test("-h and --help exit 0 with help on both commands", () => {
    for (const cmd of [[], ["explain"]])
      for (const h of ["-h", "--help"]) {
        const r = run([...cmd, h]);
        assert.equal(r.code, 0, `${cmd.join(" ")} ${h}: ${r.err}`);
        assert.equal(r.err, "");
        assert.match(r.out, cmd.length ? /^ibsr-report explain <address\|CIDR>/ : /^ibsr-report <dir>\.\.\./);
      }
  });

  test("every subcommand word dispatches to its command, whose help names it in its usage", () => {
    for (const cmd of COMMANDS) {
      const r = run([cmd, "--help"]);
      assert.equal(r.code, 0, `${cmd} --help: ${r.err}`);
      assert.match(r.out, new RegExp(`^ibsr-report ${cmd} `, "m"), cmd);
      // A near miss is a usage error suggesting the word (it is no directory here).
      const typo = run([`${cmd}x`]);
      assert.equal(typo.code, 2, typo.err);
      assert.match(typo.err, new RegExp(`did you mean "${cmd}"\\?`), typo.err);
    }
  });

  test("--version prints the package.json version on both commands", () => {
    for (const cmd of [[], ["explain"]]) {
      const r = run([...cmd, "--version"]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, `${VERSION}\n`);
    }
  });

  test("flags show their value's kind in help, never [string]", () => {
    const r = run(["--help"]);
    assert.doesNotMatch(r.out, /\[string\]|\[number\]|\[array\]|\[boolean\]/);
    for (const typed of [
      "--threads <count>",
      "--since <time>",
      "--memory-limit <size>",
      "--min-syn <count>",
      "--syn-rate-threshold <rate>",
      "--success-ratio-threshold <ratio>",
      "--max-fp-pct <percent>",
      "--block-duration-sec <seconds>",
      "--dst-ports <port,...>",
      "-o, --out <dir>",
    ])
      assert.ok(r.out.includes(typed), typed);
  });

  test("a mistyped command or flag gets a suggestion; a real directory of that name is reported", () => {
    const typo = run(["explian", "198.18.0.1", data]);
    assert.equal(typo.code, 2);
    assert.match(typo.err, /"explian" is neither a directory nor a command; did you mean "explain"\?/);
    const flag = run([data, "--dst-prots", "80"]);
    assert.equal(flag.code, 2);
    assert.match(flag.err, /--dst-prots: unknown flag; did you mean --dst-ports\?/);
    const explainFlag = run(["explain", "198.18.0.1", data, "--jsno"]);
    assert.equal(explainFlag.code, 2);
    assert.match(explainFlag.err, /--jsno: unknown flag; did you mean --json\?.*ibsr-report explain --help/);
    // A directory that happens to be named like a typo is input, not a typo.
    const cwd = mkdtempSync(join(root, "cwd-"));
    mkdirSync(join(cwd, "explian"));
    const dir = run(["explian", "--format", "json", "-q", "-o", "out"], cwd);
    assert.doesNotMatch(dir.err, /did you mean/);
  });

  test("help fits 100 columns and never wraps an example command", () => {
    for (const [name, help] of [
      ["report", reportHelp],
      ["explain", explainHelp],
      ["import-jsonl", importJsonlHelp],
    ] as const)
      for (const width of [100, 80]) {
        const text = help(width);
        for (const line of text.split("\n")) assert.ok(line.length <= width, `${name} @${width}: "${line}"`);
        const examples = text.split("\nExamples:\n")[1]!.split("\n\n")[0]!.split("\n");
        const commands = examples.filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().split(/\s{2,}/)[0]!);
        assert.ok(commands.length >= 4);
        for (const c of commands) assert.match(c, /^ibsr-report\b/, `${name} @${width}: "${c}"`);
        // A line that continues an example holds description words only, never a command's flags or paths.
        for (const l of examples.filter((x) => /^ {3,}/.test(x)))
          assert.doesNotMatch(
            l,
            /(^|\s)ibsr-report\s|\s--?[a-z]|\s\|\s/,
            `${name} @${width}: a command went on in "${l}"`,
          );
      }
    assert.equal(run(["--help"]).out, reportHelp(100), "not a terminal: 100 columns");
  });

  test("a reader that closes the pipe early ends the run quietly, exit 0", () => {
    const tsx = import.meta.resolve("tsx");
    for (const [label, args] of [
      ["report --json", `"${data}" --json -q -o "${join(root, "epipe-out")}"`],
      ["explain --json", `explain 198.18.0.1 "${data}" --json -q`],
    ]) {
      // `true` never reads: every write to the pipe fails with EPIPE.
      const r = spawnSync(
        "bash",
        [
          "-c",
          `"${process.execPath}" --import "${tsx}" "${cli}" ${args} | true; echo "exit=\${PIPESTATUS[0]}"`,
        ],
        { cwd: root, encoding: "utf8", timeout: 120_000 },
      );
      assert.equal(r.stdout.trim(), "exit=0", `${label}: ${r.stderr}`);
      assert.equal(r.stderr, "", label);
    }
  });
});
