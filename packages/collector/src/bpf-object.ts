// Where the compiled XDP object lives and how it is read. The collector verifies and then loads
// the one Buffer returned here (bpf_object__open_mem), so what was checked is what runs.
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MAP_FLOWS, MAP_GLOBAL, MAP_PORTS, PROGRAM_NAME, RODATA } from "@ibsr/contract";

// The names are @ibsr/contract's (kernel.ts); these aliases keep the object's callers short.
export const IBSR_PROGRAM = PROGRAM_NAME;
export const IBSR_MAPS = { flows: MAP_FLOWS, ports: MAP_PORTS, global: MAP_GLOBAL } as const;
export const IBSR_RODATA = RODATA;
export { encodePortBitmap, PORT_BITMAP_BYTES } from "@ibsr/contract";

/**
 * IBSR_BPF_OBJECT when set, else bpf/build/ibsr.bpf.o of the checkout this module belongs to
 * (the same relative path works from src/ under tsx and from dist/ after tsc).
 */
export function defaultObjectPath(): string {
  const env = process.env.IBSR_BPF_OBJECT;
  if (env) return resolve(env);
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, "../../../bpf/build/ibsr.bpf.o");
}

export class BpfObjectFileError extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
    message: string,
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
      throw new BpfObjectFileError(path, "EISDIR", `BPF object ${path} is not a regular file`);
    return readFileSync(path);
  } catch (err) {
    if (err instanceof BpfObjectFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? "EIO";
    const hint =
      code === "ENOENT"
        ? "build it with `pnpm build` (make -C bpf), or point IBSR_BPF_OBJECT / --object at it"
        : "check the path and its permissions";
    throw new BpfObjectFileError(path, code, `cannot read BPF object ${path}: ${code} (${hint})`);
  }
}
