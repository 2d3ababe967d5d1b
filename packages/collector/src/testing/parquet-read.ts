// Reading snapshot files back in JavaScript, for tests (the reporter reads Parquet with DuckDB). In the
// testing entry point, not beside the encoder: apache-arrow, which decodes parquet-wasm's output here, is
// then only a dev dependency of the collector, and neither the run loop nor an install of the package
// carries it.
import { parseSnapshotKeyValue, SnapshotFormatError, VALUE_COUNTERS } from "@ibsr/contract";
import { tableFromIPC } from "apache-arrow";
import { allocSnapshotRows, type SnapshotFile } from "../snapshot/parquet.js";
import { parquet } from "../snapshot/parquet-wasm.js";

export interface DecodedSnapshot extends SnapshotFile {
  /** Every key/value pair in the file footer, ibsr.* and others. */
  keyValue: Map<string, string>;
}

/**
 * The footer key/value pairs of a Parquet file. arrow-rs folds them into the Arrow schema metadata
 * on read (without ARROW:schema itself); metadata a writer put on its Arrow schema would show here
 * too, though DuckDB never sees it (snapshot files have none).
 */
export function readParquetKeyValue(bytes: Uint8Array): Map<string, string> {
  const schema = parquet.readSchema(bytes);
  const out = new Map<string, string>();
  for (const [k, v] of schema.metadata()) out.set(String(k), String(v));
  schema.free();
  return out;
}

/** Reads a snapshot file back (tests; the reporter reads Parquet with DuckDB). */
export function decodeSnapshotParquet(bytes: Uint8Array): DecodedSnapshot {
  const keyValue = readParquetKeyValue(bytes);
  const meta = parseSnapshotKeyValue(keyValue);
  const table = tableFromIPC(parquet.readParquet(bytes).intoIPCStream());
  const n = table.numRows;
  const rows = allocSnapshotRows(n);
  rows.length = n;
  const col = (name: string) => {
    const v = table.getChild(name);
    if (!v) throw new SnapshotFormatError(`column ${name} is missing`);
    return v;
  };
  const family = col("family");
  const prefixLen = col("prefix_len");
  const dstPort = col("dst_port");
  const src = col("src");
  const firstSeen = col("first_seen_mono_ns");
  const spanUs = col("span_us");
  const newEntry = col("new_entry");
  const counters = VALUE_COUNTERS.map((c) => [c, col(c), col(`${c}_delta`)] as const);
  for (let i = 0; i < n; i++) {
    rows.family[i] = family.get(i) as number;
    rows.prefixLen[i] = prefixLen.get(i) as number;
    rows.dstPort[i] = dstPort.get(i) as number;
    const addr = src.get(i) as Uint8Array;
    if (addr.length !== 16)
      throw new SnapshotFormatError(`row ${i}: src has ${addr.length} bytes, expected 16`);
    rows.src.set(addr, i * 16);
    rows.firstSeen[i] = firstSeen.get(i) as bigint;
    rows.spanUs[i] = spanUs.get(i) as bigint;
    rows.newEntry[i] = newEntry.get(i) ? 1 : 0;
    for (const [c, cum, delta] of counters) {
      rows[c][i] = cum.get(i) as bigint;
      rows.deltas[c][i] = delta.get(i) as bigint;
    }
  }
  return { meta, rows, keyValue };
}
