// @ibsr/collector as a library: the pieces of ibsr-collect that need no libbpf (options, logging, deltas,
// atomic writes, heartbeat, retention, status). The CLI is dist/cli.js; libbpf/ loads only when running.
export { type StatusOptions, type StatusReport, statusCommand } from "./commands/status.js";
export {
  EnvironmentError,
  exitCodeFor,
  IbsrError,
  RuntimeError,
  UnsafeObjectError,
  UsageError,
} from "./errors.js";
export { ExitCode, StatusExitCode } from "./exit-codes.js";
export { createLogger, type Logger, type LogLevel } from "./log/logger.js";
export {
  DEFAULTS,
  estimateKernelMemory,
  KERNEL_BYTES_PER_ENTRY,
  parseRunOptions,
  type RawRunArgs,
  type RunOptions,
  type XdpMode,
} from "./options.js";
export { DeltaEngine, type DeltaResult, type DeltaStats } from "./snapshot/deltas.js";
export { type Heartbeat, HeartbeatWriter, heartbeatPath } from "./snapshot/heartbeat.js";
export { applyRetention, type RetentionPolicy, type RetentionResult } from "./snapshot/retention.js";
export { type WriteResult, writeFileAtomic, writeSnapshot } from "./snapshot/writer.js";
export { defaultRouteInterface, type InterfaceInfo, interfaceInfo } from "./system/iface.js";
