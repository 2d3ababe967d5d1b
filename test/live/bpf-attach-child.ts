// Child process for bpf-attach.test.ts, run inside the test's network namespace: loads the
// object, attaches it through a bpf_link in the requested mode, reports what the kernel sees, then
// waits to be killed (the test checks that the attachment dies with it).
import { defaultObjectPath, IBSR_PROGRAM, readObject } from "../../packages/collector/src/bpf-object.js";
import {
  LibbpfError,
  openObjectMem,
  progIdsOfInterface,
  progInfoById,
  type XdpMode,
  xdpQuery,
} from "../../packages/collector/src/libbpf/index.js";
import { ifnameToIndex } from "./bpf-ifindex.js";

const [ifname, mode] = process.argv.slice(2) as [string, XdpMode];
const ifindex = ifnameToIndex(ifname);
const obj = openObjectMem(readObject(defaultObjectPath()), "ibsr");
obj.map("ibsr_flows").setMaxEntries(256);
obj.load();
const prog = obj.program(IBSR_PROGRAM);
prog.attachXdp(ifindex, mode);
const q = xdpQuery(ifindex);
let second = "none";
try {
  prog.attachXdp(ifindex, mode === "generic" ? "generic" : "native");
  second = "attached twice?!";
} catch (err) {
  second = err instanceof LibbpfError ? `${err.errnoName}|${err.hint}` : String(err);
}
const ids = progIdsOfInterface(ifindex);
process.stdout.write(
  `${JSON.stringify({ ifindex, query: q, ids, name: progInfoById(ids[0] ?? 0)?.name ?? null, second })}\n`,
);
setInterval(() => {}, 1000);
