// The kernel object's failures, each an EnvironmentError or UnsafeObjectError (so cli.ts's exit codes are
// unchanged) with the underlying error as `cause` and what the kernel said as data: the verifier log is
// an array of lines on the error, never parsed back out of a message.
import { EnvironmentError, UnsafeObjectError } from "../errors.js";
import type { LibbpfError } from "../libbpf/index.js";
import type { Finding } from "../safety/index.js";

/** libbpf's frame around the kernel verifier log (the BEGIN line carries libbpf's prefix). */
const LOG_BEGIN = /-- BEGIN PROG LOAD LOG --$/;
const LOG_END = /^-- END PROG LOAD LOG --$/;

/** The lines between libbpf's BEGIN and END markers: what the kernel verifier itself said. */
function verifierLines(lines: readonly string[]): string[] {
  const begin = lines.findIndex((l) => LOG_BEGIN.test(l));
  if (begin < 0) return [];
  const end = lines.findIndex((l, i) => i > begin && LOG_END.test(l));
  return lines.slice(begin + 1, end < 0 ? lines.length : end).filter((l) => l !== "");
}

/** The object's BTF disagrees with the layout user space was built for: nothing was loaded. */
export class KernelLayoutError extends EnvironmentError {
  /** One entry per disagreement: what, the object's value, the contract's value. */
  readonly mismatches: readonly LayoutMismatch[];
  constructor(object: string, mismatches: readonly LayoutMismatch[]) {
    const list = mismatches.map((m) => `${m.what} is ${m.object} in the object, ${m.contract} expected`);
    super(
      "bpf.layout",
      `${object}: the object's layout does not match this collector's: ${list.join("; ")}`,
      {
        errnoName: "EPROTO",
        hint: "the object and the collector come from different builds; rebuild both with `pnpm build` (make -C bpf), or pass the matching object with --object. Nothing was loaded",
      },
    );
    this.mismatches = mismatches;
  }
}

export interface LayoutMismatch {
  what: string;
  object: number | string;
  contract: number | string;
}

/** The kernel refused to load the object (verifier, privileges, memory). Nothing was attached. */
export class KernelLoadError extends EnvironmentError {
  /** The kernel verifier's own log, one line per entry, without libbpf's frame (empty when it said nothing). */
  readonly verifierLog: readonly string[];
  /** Everything libbpf printed during the load (its own lines and the verifier log), one line per entry. */
  readonly libbpfLog: readonly string[];
  /** True when the kernel verifier gave a verdict (its log ends with "processed N insns"). */
  readonly verifierRejected: boolean;
  constructor(object: string, cause: LibbpfError) {
    const lines = cause.log.map((l) => l.trim());
    const libbpfLog = lines.filter((l) => l !== "" && !LOG_END.test(l));
    const verifierLog = verifierLines(lines);
    const verifierRejected = libbpfLog.some((l) => /processed \d+ insns/.test(l));
    // Without CAP_PERFMON the kernel verifier refuses packet-pointer arithmetic "for !root": a privilege
    // problem that only looks like a rejected program.
    const needsPerfmon = libbpfLog.some((l) => /for !root/.test(l));
    const head = `libbpf ${cause.op} failed for ${cause.subject}: ${cause.errnoName}`;
    super("bpf.load", `loading ${object} into the kernel failed: ${head}`, {
      errnoName: cause.errnoName,
      hint: needsPerfmon
        ? "the kernel allows this program's packet-pointer arithmetic only with CAP_PERFMON: run as root, or with CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON. Nothing was attached"
        : verifierRejected
          ? "the kernel verifier rejected the program (its last lines are logged above; -v shows the whole log). Nothing was attached. Rebuild the object for this kernel with `make -C bpf`"
          : cause.hint || "nothing was attached; run with -v for libbpf's messages",
    });
    this.cause = cause;
    this.verifierLog = verifierLog;
    this.libbpfLog = libbpfLog;
    this.verifierRejected = verifierRejected;
  }
}

/** What the kernel holds after load failed the safety rules (bpf_prog_info / bpf_map_info). */
export class KernelUnsafeError extends UnsafeObjectError {
  readonly findings: readonly Finding[];
  constructor(object: string, findings: readonly Finding[]) {
    super(
      `${object}: what the kernel loaded failed the post-load safety check (${findings.length} finding(s)); nothing was attached`,
    );
    this.findings = findings;
  }
}

/** The spec was asked to open bytes the safety verifier did not pass. */
export class UnverifiedObjectError extends UnsafeObjectError {
  readonly findings: readonly Finding[];
  constructor(object: string, findings: readonly Finding[]) {
    super(
      `${object}: the safety verifier rejected the object (${findings.length} finding(s)); nothing was loaded`,
      `see each finding above; \`ibsr-collect verify ${object}\` prints them again`,
    );
    this.findings = findings;
  }
}
