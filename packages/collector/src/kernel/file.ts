// Where the compiled XDP object lives and how it is read: the one read of its bytes. The collector
// verifies and then opens that same Buffer (KernelSpec.fromVerifiedBytes), so what was checked is what runs.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * IBSR_BPF_OBJECT when set; else the object inside the installed npm package (<package>/bpf/ibsr.bpf.o,
 * put there by scripts/pack-npm.sh; a checkout has none); else bpf/build/ibsr.bpf.o of the checkout this
 * module belongs to. Both relative paths work from src/kernel/ under tsx and from dist/kernel/ after tsc.
 */
export function defaultObjectPath(): string {
  const env = process.env.IBSR_BPF_OBJECT;
  if (env) return resolve(env);
  const here = dirname(fileURLToPath(import.meta.url));
  const packaged = resolve(here, "../../bpf/ibsr.bpf.o");
  if (existsSync(packaged)) return packaged;
  return resolve(here, "../../../../bpf/build/ibsr.bpf.o");
}

export class BpfObjectFileError extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = "BpfObjectFileError";
  }
}

/** Reads the object into memory; a missing/unreadable file gets a message that says how to build it. */
export function readObject(path: string): Buffer {
  try {
    const st = statSync(path);
    if (!st.isFile())
      throw new BpfObjectFileError(
        path,
        "EISDIR",
        `BPF object ${path} is not a regular file`,
        "pass the object file itself with --object",
      );
    return readFileSync(path);
  } catch (err) {
    if (err instanceof BpfObjectFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? "EIO";
    const hint =
      code === "ENOENT"
        ? "build it with `pnpm build` (make -C bpf), or point IBSR_BPF_OBJECT / --object at it"
        : "check the path and its permissions";
    throw new BpfObjectFileError(path, code, `cannot read BPF object ${path}: ${code} (${hint})`, hint);
  }
}
