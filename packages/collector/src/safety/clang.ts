// Running clang for BPF: the include directories a Debian host needs (asm/types.h lives in the
// multiarch directory), compiling a C file to an object (tests, corpus) and probing for clang.
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

let multiarch: string[] | undefined;

/** -I directories clang needs for BPF on this host: the multiarch include dir (asm/types.h). */
export function hostIncludeDirs(): string[] {
  if (multiarch) return multiarch;
  // As bpf/Makefile does: gcc's multiarch name, else dpkg's, else the usual Debian path for this CPU.
  const probes: [string, string[]][] = [
    ["gcc", ["-print-multiarch"]],
    ["dpkg-architecture", ["-qDEB_HOST_MULTIARCH"]],
  ];
  for (const [cmd, args] of probes) {
    try {
      const dir = execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
      if (dir) {
        multiarch = [`/usr/include/${dir}`];
        return multiarch;
      }
    } catch {
      // try the next probe
    }
  }
  const guess = `/usr/include/${process.arch === "arm64" ? "aarch64" : "x86_64"}-linux-gnu`;
  multiarch = existsSync(guess) ? [guess] : [];
  return multiarch;
}

/** Why clang cannot compile BPF here, or null when it can. */
export function clangUnavailableReason(clang = "clang"): string | null {
  try {
    execFileSync(clang, ["--version"], { stdio: "ignore" });
    return null;
  } catch {
    return `${clang} not found (install clang to compile BPF programs)`;
  }
}

/** The flags bpf/Makefile uses, so corpus objects look like the real one. */
export const BPF_CFLAGS = [
  "-O2",
  "-g",
  "-target",
  "bpf",
  "-Wall",
  "-mllvm",
  "-disable-block-placement",
  "-mllvm",
  "-enable-tail-merge=false",
];

/** Compiles `cFile` into `outDir`; returns the object path. Throws with clang's stderr on failure. */
export async function compileBpf(
  cFile: string,
  outDir: string,
  opts: { includeDirs?: string[]; extraFlags?: string[]; clang?: string } = {},
): Promise<string> {
  const out = join(outDir, `${basename(cFile).replace(/\.c$/, "")}.o`);
  const includes = [...(opts.includeDirs ?? []), ...hostIncludeDirs(), resolve(cFile, "..")];
  try {
    await run(opts.clang ?? "clang", [
      ...BPF_CFLAGS,
      ...(opts.extraFlags ?? []),
      ...includes.flatMap((d) => ["-I", d]),
      "-c",
      cFile,
      "-o",
      out,
    ]);
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`clang failed on ${cFile}: ${(e.stderr ?? e.message).trim()}`);
  }
  return out;
}
