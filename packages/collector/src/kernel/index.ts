// The kernel object: read the bytes, make a spec from the verified bytes, configure, load, attach.

export {
  KernelLayoutError,
  KernelLoadError,
  KernelUnsafeError,
  type LayoutMismatch,
  UnverifiedObjectError,
} from "./errors.js";
export { BpfObjectFileError, defaultObjectPath, readObject } from "./file.js";
export { KernelObject, type LoadedMaps, PortMap } from "./object.js";
export {
  type BtfFacts,
  compareWithContract,
  IBSR_CONTRACT,
  type KernelConfig,
  type KernelContract,
  KernelSpec,
  type MapContract,
  type MapFacts,
  type SpecOptions,
} from "./spec.js";
