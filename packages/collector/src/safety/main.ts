// Standalone entry for the build (bpf/Makefile) until cli.ts is built:
//   node packages/collector/dist/safety/main.js [object] [--source file.c] [--json]
// Same behaviour and exit codes as `ibsr-collect verify`: 0 safe, 1 unsafe, 2 unreadable input.
import { type VerifyCommandOptions, verifyCommand } from "../commands/verify.js";

function parseArgs(argv: string[]): VerifyCommandOptions | string {
  const opts: VerifyCommandOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") opts.json = true;
    else if (a === "--source") {
      const v = argv[++i];
      if (v === undefined) return "--source needs a file (the program's C source)";
      opts.source = v;
    } else if (a.startsWith("--source=")) opts.source = a.slice("--source=".length);
    else if (a.startsWith("-")) return `unknown flag ${a}`;
    else if (opts.object === undefined) opts.object = a;
    else return `unexpected argument ${a}: give one object`;
  }
  return opts;
}

const parsed = parseArgs(process.argv.slice(2));
if (typeof parsed === "string") {
  process.stderr.write(`verify: ${parsed}\nusage: main.js [object.o] [--source file.c] [--json]\n`);
  process.exitCode = 2;
} else {
  process.exitCode = await verifyCommand(parsed);
}
