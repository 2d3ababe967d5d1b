// parquet-wasm, instantiated once from bytes this module reads and then lets go of. The package's Node
// build (what a bare "parquet-wasm" import resolves to) keeps its 4.9 MB .wasm file buffer referenced for
// the life of the process, beside the copy the compiled WebAssembly.Module holds; the ESM build's
// initSync takes the bytes and keeps only the module. Every user of parquet-wasm imports it from here, so
// there is one instance (objects of two instances must never meet).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as parquet from "parquet-wasm/esm";

parquet.initSync({
  module: readFileSync(createRequire(import.meta.url).resolve("parquet-wasm/esm/parquet_wasm_bg.wasm")),
});

export { parquet };
