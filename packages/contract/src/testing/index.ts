// @ibsr/contract/testing: helpers for tests, benchmarks and data generators; production code never imports it.
export { mulberry32 } from "./prng.js";
