// The BPF safety verifier: the object layer (the proof, on the exact bytes that get loaded), the
// source layer (an early check on the C file through clang's AST) and the post-load check.

export type { Finding } from "./findings.js";
export { OBJECT_RULES } from "./findings.js";
export { type CheckLoadedOptions, checkLoaded, type LoadedCheck } from "./loaded.js";
export {
  type MapSummary,
  type ProgramSummary,
  UnreadableObjectError,
  type VerifyObjectOptions,
  type VerifyResult,
  verifyObject,
} from "./object.js";
export { ALLOWED_HELPERS, ALLOWED_MAP_TYPES } from "./policy.js";
export { SourceParseError, type SourceResult, verifySource } from "./source.js";
