// @ibsr/schema: the vocabulary shared by the collector and the reporter.
export const SCHEMA_PACKAGE = "@ibsr/schema";
