// `ibsr-report --help` (and so every start of the reporter) loads no Parquet encoder: parquet-wasm, its
// 4.9 MB WebAssembly module and apache-arrow belong to the collector, which writes snapshots; the reporter
// reads them with DuckDB. A module hook records every module the spawned CLI loads. (Counting compiled
// WebAssembly modules would not do: Node's own CommonJS lexer and tsx's ES module lexer are WASM too.)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "../packages/report/src/cli.ts");
const dir = mkdtempSync(join(tmpdir(), "ibsr-report-startup-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const loadedList = join(dir, "loaded.txt");
// The hooks run on their own thread; they append each loaded URL to a file the test reads afterwards.
writeFileSync(
  join(dir, "hooks.mjs"),
  `import { appendFileSync } from "node:fs";
let out;
export function initialize(data) { out = data.out; }
export async function load(url, context, next) { appendFileSync(out, url + "\\n"); return next(url, context); }
`,
);
writeFileSync(
  join(dir, "record.mjs"),
  `import { register } from "node:module";
register(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)}, { data: { out: ${JSON.stringify(loadedList)} } });
`,
);

test("ibsr-report --help loads neither parquet-wasm nor apache-arrow", () => {
  writeFileSync(loadedList, "");
  const r = spawnSync(
    process.execPath,
    ["--import", join(dir, "record.mjs"), "--import", import.meta.resolve("tsx"), cli, "--help"],
    { encoding: "utf8", timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /ibsr-report/);
  const loaded = readFileSync(loadedList, "utf8").split("\n").filter(Boolean);
  // The hook did see the CLI's own graph (so an empty list cannot pass by accident).
  assert.ok(
    loaded.some((u) => u.includes("/packages/report/src/cli.ts")),
    `the CLI itself was not recorded: ${loaded.length} modules`,
  );
  assert.ok(
    loaded.some((u) => u.includes("/packages/contract/")),
    "the contract package is loaded",
  );
  const heavy = loaded.filter((u) => /\/(parquet-wasm|apache-arrow)\//.test(u));
  assert.deepEqual(heavy, [], "modules the reporter must not load");
});

// The engine is imported only when a command runs: neither help loads DuckDB's native module or the HTML
// templates (they cost most of --help's start-up time before).
for (const args of [["--help"], ["explain", "--help"]])
  test(`ibsr-report ${args.join(" ")} loads neither DuckDB nor handlebars`, () => {
    writeFileSync(loadedList, "");
    const r = spawnSync(
      process.execPath,
      ["--import", join(dir, "record.mjs"), "--import", import.meta.resolve("tsx"), cli, ...args],
      { encoding: "utf8", timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /explain <address\|CIDR> <dir>/);
    const loaded = readFileSync(loadedList, "utf8").split("\n").filter(Boolean);
    assert.ok(
      loaded.some((u) => u.includes("/packages/report/src/cli.ts")),
      "the CLI itself was recorded",
    );
    const heavy = loaded.filter((u) => /\/(@duckdb|handlebars)\/|\/report\/src\/(engine|report)\.ts/.test(u));
    assert.deepEqual(heavy, [], "modules --help must not load");
  });

// Modules loaded later (on demand) escape the hook above: no production source of the reporter may name the
// collector's package or the Parquet encoder's libraries at all. Only src/testing/ (test data writers) may.
test("no production module of the reporter imports the collector, apache-arrow or parquet-wasm", () => {
  const src = join(here, "../packages/report/src");
  const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter(
    (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.startsWith("testing/"),
  );
  assert.ok(files.length > 20, `found only ${files.length} source files under ${src}`);
  const offenders = files.filter((f) =>
    /from "(@ibsr\/collector[^"]*|apache-arrow|parquet-wasm[^"]*)"|import\("(@ibsr\/collector|apache-arrow|parquet-wasm)/.test(
      readFileSync(join(src, f), "utf8"),
    ),
  );
  assert.deepEqual(
    offenders.map((f) => relative(src, join(src, f))),
    [],
  );
  const pkg = JSON.parse(readFileSync(join(here, "../packages/report/package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  for (const dep of ["@ibsr/collector", "apache-arrow", "parquet-wasm"])
    assert.equal(pkg.dependencies[dep], undefined, `${dep} is a production dependency of the reporter`);
});
