# The Node.js versions IBSR supports: the one owner of these numbers for scripts (package.json "engines" must
# agree; test/runtime.test.ts checks it). Sourced by setup.sh, install-node.sh, bundle.sh and .ci/run.
# Node 24 is the active LTS and the primary runtime (the bundle ships it); Node 22 (maintenance LTS) is supported
# and CI runs the whole suite on both. Node 20 reached end of life on 2026-04-30.
NODE_PRIMARY=24.22.3
NODE_SECONDARY=22.23.5
# The oldest release accepted at start: the first Node 22 with require(esm) enabled by default.
NODE_MIN=22.12.0
