// The output formats and the files each one writes: the engine lists them in the model, the writer writes them.
export type OutputFormat = "html" | "md" | "json" | "csv";
export const ALL_FORMATS: readonly OutputFormat[] = ["html", "md", "json", "csv"];

/** Files of each format, in the order the report lists them. */
const FILES_OF: Record<OutputFormat, readonly string[]> = {
  html: ["report.html"],
  md: ["report.md"],
  json: ["summary.json", "rules.json", "rules.nft", "rules.txt"],
  csv: ["evidence.csv", "evidence.parquet"],
};

/** The files a report with these formats writes (names relative to the output directory). */
export function outputFiles(formats: readonly OutputFormat[]): string[] {
  return ALL_FORMATS.filter((f) => formats.includes(f)).flatMap((f) => FILES_OF[f]);
}
