// Child process for bpf-attach.test.ts, run inside the test's network namespace: loads the
// object, attaches it through a bpf_link in the requested mode, reports what the kernel sees, then
// waits to be killed (the test checks that the attachment dies with it).
import { defaultObjectPath, KernelSpec, readObject } from "../../packages/collector/src/kernel/index.js";
import {
  LibbpfError,
  progIdsOfInterface,
  progInfoById,
  type XdpMode,
  xdpQuery,
} from "../../packages/collector/src/libbpf/index.js";
import { ifnameToIndex } from "./bpf-ifindex.js";

const [ifname, mode] = process.argv.slice(2) as [string, XdpMode];
const ifindex = ifnameToIndex(ifname);
// The collector's own path: verified bytes -> spec -> configure -> load -> attach (auto = native, else generic).
const kobj = KernelSpec.fromBytes(readObject(defaultObjectPath())).configure({ mapSize: 256 }).load();
kobj.attach(ifindex, mode);
const prog = kobj.program;
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
