// The package.json that goes into an npm tarball, made from the workspace's (scripts/pack-npm.sh).
//   node --import tsx scripts/npm-manifest.ts <packages/x/package.json> <out/package.json>
// The workspace manifests stay `private` (a `pnpm publish` from the workspace would ship the internal
// dependency unbundled); this one is publishable: `workspace:*` dependencies become exact versions AND
// bundled (bundleDependencies: the tarball carries them under node_modules/, so npm never asks the registry
// for @ibsr/contract, which is not published there or, worse, belongs to someone else), and the ./testing
// entry point and the development fields are gone (testing/ is not in the tarball's `files`).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

type Manifest = Record<string, unknown> & {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  exports?: Record<string, unknown>;
};

/** The workspace package's version for each internal dependency (read from its own manifest). */
function workspaceVersion(pkgDir: string, dep: string): string {
  const short = dep.replace(/^@ibsr\//, "");
  const m = JSON.parse(readFileSync(join(pkgDir, "..", short, "package.json"), "utf8")) as Manifest;
  if (m.name !== dep) throw new Error(`packages/${short}/package.json is ${m.name}, not ${dep}`);
  return m.version;
}

export function publishManifest(source: Manifest, pkgDir: string): Manifest {
  const { private: _p, devDependencies: _d, scripts: _s, ...rest } = source;
  const out: Manifest = { ...rest };
  const bundled: string[] = [];
  if (source.dependencies) {
    const deps: Record<string, string> = {};
    for (const [name, spec] of Object.entries(source.dependencies)) {
      if (spec.startsWith("workspace:")) {
        deps[name] = workspaceVersion(pkgDir, name);
        bundled.push(name);
      } else deps[name] = spec;
    }
    out.dependencies = deps;
  }
  if (bundled.length > 0) out.bundleDependencies = bundled;
  if (source.exports) {
    const { "./testing": _t, ...exports } = source.exports;
    out.exports = exports;
  }
  return out;
}

const [src, dest] = process.argv.slice(2);
if (!src || !dest) {
  process.stderr.write("usage: npm-manifest.ts <package.json> <out/package.json>\n");
  process.exit(2);
}
const manifest = publishManifest(JSON.parse(readFileSync(src, "utf8")) as Manifest, dirname(src));
writeFileSync(dest, `${JSON.stringify(manifest, null, 2)}\n`);
