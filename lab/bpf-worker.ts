// Worker thread for the concurrency test and the two-CPU benchmark: pins itself to one CPU, waits
// at a shared barrier so both workers start together, then test-runs frames through the program.
import { parentPort, workerData } from "node:worker_threads";
import { pinThreadToCpu, testRun } from "../packages/collector/src/libbpf/index.js";

export interface BpfWorkerJob {
  progFd: number;
  cpu: number;
  /** frames to run, in order, `rounds` times over */
  frames: Uint8Array[];
  rounds: number;
  repeat: number;
  /** Int32Array over a SharedArrayBuffer: [ready count, go flag] */
  barrier: SharedArrayBuffer;
  parties: number;
}

const job = workerData as BpfWorkerJob;
pinThreadToCpu(job.cpu);
const b = new Int32Array(job.barrier);
Atomics.add(b, 0, 1);
while (Atomics.load(b, 0) < job.parties) Atomics.wait(b, 0, Atomics.load(b, 0), 5);
let runs = 0;
let nsSum = 0;
const start = process.hrtime.bigint();
for (let r = 0; r < job.rounds; r++) {
  for (const f of job.frames) {
    const res = testRun(job.progFd, { data: f, repeat: job.repeat });
    if (res.retval !== 2) throw new Error(`retval ${res.retval}`);
    nsSum += res.durationNs;
    runs++;
  }
}
const wallNs = Number(process.hrtime.bigint() - start);
parentPort?.postMessage({ runs, meanDurationNs: nsSum / runs, wallNs });
