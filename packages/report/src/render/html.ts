// The HTML report: one self-contained file. Templates are handlebars partials kept as TypeScript
// string modules (render/html/partials/*.ts), so they are found the same way from src (tsx) and from
// dist (tsc) with no copy step. Data values go through {{ }} (escaped); the only triple-stash values
// are the stylesheet constant and SVG produced by render/charts, which escapes every label itself.
import { createHash } from "node:crypto";
import Handlebars from "handlebars";
import type { ReportModel } from "../model.js";
import { helpers } from "./html/helpers.js";
import { allowlist } from "./html/partials/allowlist.js";
import { blocks } from "./html/partials/blocks.js";
import { fp } from "./html/partials/fp.js";
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
};

/**
 * Nothing may be fetched: no scripts at all, no images, fonts, frames or connections; the one inline
 * stylesheet is allowed by its hash (so neither an injected <style> nor a style="" attribute applies).
 * frame-ancestors is left out because browsers ignore it in a <meta> and log an error.
 */
export const CSP = `default-src 'none'; style-src 'sha256-${createHash("sha256").update(CSS).digest("base64")}'; base-uri 'none'; form-action 'none'`;

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
  return template()({ ...buildView(model), csp: CSP, css: CSS });
}
