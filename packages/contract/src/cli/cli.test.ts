import assert from "node:assert/strict";
import { test } from "node:test";
import { FlagError, type FlagSpec, parseFlags, splitArgs } from "./flags.js";
import { renderHelp, wrap } from "./help.js";
import { editDistance, suggest } from "./suggest.js";

const SPECS: FlagSpec[] = [
  { name: "dst-port", short: "p", kind: "list", value: "port", help: "port" },
  { name: "since", kind: "string", value: "time", help: "start" },
  { name: "json", kind: "boolean", help: "json" },
];

test("edit distance counts a swap of neighbours as one edit; suggestions only for near misses", () => {
  assert.equal(editDistance("stauts", "status"), 1);
  assert.equal(editDistance("explian", "explain"), 1);
  assert.equal(suggest("stauts", ["run", "verify", "status"]), "status");
  assert.equal(suggest("--dst-prot", ["--dst-port", "--dst-ports"]), "--dst-port");
  assert.equal(suggest("ls", ["run", "verify", "status"]), undefined);
  assert.equal(suggest("status", ["status"]), undefined, "an exact word is not a typo");
});

test("parseFlags: lists, values starting with '-', --no-<boolean>, errors naming the flag", () => {
  const r = parseFlags(["-p", "1", "--dst-port=2", "--since", "-24h", "x", "--json", "--no-json"], SPECS);
  assert.deepEqual(r.values.get("dst-port"), ["1", "2"]);
  assert.equal(r.values.get("since"), "-24h");
  assert.equal(r.values.get("json"), false);
  assert.deepEqual(r.positionals, ["x"]);
  assert.deepEqual(parseFlags(["--", "--json"], SPECS).positionals, ["--json"]);
  const err = (argv: string[]) => {
    try {
      parseFlags(argv, SPECS);
    } catch (e) {
      assert.ok(e instanceof FlagError);
      return `${e.message}|${e.suggestion ?? ""}`;
    }
    return "no error";
  };
  assert.equal(err(["--jsno"]), "--jsno: unknown flag|--json");
  assert.equal(err(["--since"]), "--since: needs a value: --since <time>|");
  assert.equal(err(["--since", "--json"]), "--since: needs a value before --json: --since <time>|");
  assert.equal(err(["--since", "1", "--since", "2"]), "--since: may be given only once|");
  assert.equal(err(["--json=maybe"]), '--json: takes no value (given "maybe")|');
});

test("splitArgs: whitespace separates, quotes group, an open quote is an error naming the source", () => {
  assert.deepEqual(splitArgs(`  --iface eth1 --out-dir "/srv/my dir" --host 'a b'  `, "X"), [
    "--iface",
    "eth1",
    "--out-dir",
    "/srv/my dir",
    "--host",
    "a b",
  ]);
  assert.deepEqual(splitArgs("", "X"), []);
  assert.throws(() => splitArgs(`--host "a`, "IBSR_ARGS"), /IBSR_ARGS: unclosed " quote/);
});

test("renderHelp: within the width; a long example command stands whole on its own line", () => {
  const text = renderHelp(
    {
      usage: ["cmd [options]"],
      description: ["d ".repeat(80)],
      sections: [{ title: "Options", entries: [{ term: "--json", text: "w ".repeat(60) }] }],
      examples: [
        { command: "cmd a", text: "short" },
        { command: `cmd ${"--long-flag value ".repeat(3).trim()}`, text: "a description that needs room" },
      ],
      notes: ["n ".repeat(70)],
    },
    60,
  );
  for (const l of text.split("\n")) assert.ok(l.length <= 60, l);
  assert.ok(text.includes(`\n  cmd ${"--long-flag value ".repeat(3).trim()}\n`));
  assert.deepEqual(wrap("aaa bbb ccc", 7), ["aaa bbb", "ccc"]);
});
