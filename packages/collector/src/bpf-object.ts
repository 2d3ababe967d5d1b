// Where the compiled XDP object lives and how it is read. The collector verifies and then loads
// the one Buffer returned here (bpf_object__open_mem), so what was checked is what runs.
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Name of the program inside the object, and the names its maps carry. */
export const IBSR_PROGRAM = "ibsr_xdp";
export const IBSR_MAPS = { flows: "ibsr_flows", ports: "ibsr_ports", global: "ibsr_global" } as const;
/** `const volatile` globals in the object's .rodata. */
export const IBSR_RODATA = {
  layoutVersion: "ibsr_layout_version",
  ipv6PrefixLen: "ibsr_ipv6_prefix_len",
  ipv6Mask: "ibsr_ipv6_mask",
} as const;

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

/** Size of the ibsr_ports value: one bit per TCP port. */
export const PORT_BITMAP_BYTES = 8192;

/**
 * The ibsr_ports value (key 0) for a set of ports: bit (port & 7) of byte (port >> 3). Byte
 * addressed, so it does not depend on host endianness.
 */
export function encodePortBitmap(ports: Iterable<number>): Buffer {
  const bm = Buffer.alloc(PORT_BITMAP_BYTES);
  for (const p of ports) {
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new RangeError(`port ${p} is not 0..65535`);
    bm[p >> 3]! |= 1 << (p & 7);
  }
  return bm;
}
