// The HTML report: one self-contained file. Templates are handlebars partials kept as TypeScript
// string modules (render/html/partials/*.ts), so they are found the same way from src (tsx) and from
// dist (tsc) with no copy step. Data values go through {{ }} (escaped); the only triple-stash values
// are the stylesheet and script constants, SVG produced by render/charts and drill-down markup from
// html/explore/serialize.ts (both escape every label themselves), and the JSON data blocks
// (html/explore/data.ts dataBlockJson escapes <, > and &).
import { createHash } from "node:crypto";
import Handlebars from "handlebars";
import type { ReportModel } from "../model.js";
import { SCRIPT, SCRIPT_HASH } from "./html/explore/script.js";
import { helpers } from "./html/helpers.js";
import { allowlist } from "./html/partials/allowlist.js";
import { blocks } from "./html/partials/blocks.js";
import { exploreTable } from "./html/partials/explore-table.js";
import { fp } from "./html/partials/fp.js";
import { history } from "./html/partials/history.js";
import { hosts } from "./html/partials/hosts.js";
import { layout } from "./html/partials/layout.js";
import { ports } from "./html/partials/ports.js";
import { rollups } from "./html/partials/rollups.js";
import { rules } from "./html/partials/rules.js";
import { scope } from "./html/partials/scope.js";
import { sensitivity } from "./html/partials/sensitivity.js";
import { sources } from "./html/partials/sources.js";
import { traffic } from "./html/partials/traffic.js";
import { verdict } from "./html/partials/verdict.js";
import { CSS } from "./html/style.js";
import { buildView } from "./html/view.js";

/** In page order after the verdict; the layout includes each by name. */
const PARTIALS = {
  verdict,
  hosts,
  history,
  scope,
  traffic,
  sources,
  fp,
  allowlist,
  ports,
  sensitivity,
  rollups,
  blocks,
  rules,
  exploreTable,
};

/**
 * Nothing may be fetched: no images, fonts, frames or connections; the one inline stylesheet and the one
 * inline script (html/explore/script.ts) are allowed by their hashes only (so neither an injected <style>,
 * a style="" attribute, an injected <script> nor an event-handler attribute runs). The JSON data blocks are
 * <script type="application/json">: never executed, so not subject to script-src. frame-ancestors is left
 * out because browsers ignore it in a <meta> and log an error.
 */
export const CSP = `default-src 'none'; style-src 'sha256-${createHash("sha256").update(CSS).digest("base64")}'; script-src '${SCRIPT_HASH}'; base-uri 'none'; form-action 'none'`;

let compiled: Handlebars.TemplateDelegate | undefined;

function template(): Handlebars.TemplateDelegate {
  if (compiled) return compiled;
  // An isolated instance: helpers and partials registered here never leak into other handlebars users.
  const hb = Handlebars.create();
  for (const [name, fn] of Object.entries(helpers)) hb.registerHelper(name, fn);
  for (const [name, text] of Object.entries(PARTIALS))
    hb.registerPartial(name, hb.compile(text, { strict: true }));
  // strict: a misspelt field in a template throws instead of silently rendering empty.
  compiled = hb.compile(layout, { strict: true });
  return compiled;
}

export function renderHtml(model: ReportModel): string {
  return template()({ ...buildView(model), csp: CSP, css: CSS, script: SCRIPT });
}
