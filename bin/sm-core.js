#!/usr/bin/env node
// Node entry, started by the `sm-core` launcher (bin/sm-core, which picks the pinned Node and sets the
// heap flags) or directly by `node bin/sm-core.js`. Node >= 22.18 runs the TypeScript sources directly
// (type stripping), so there is no build step that can go stale. Written for old Nodes too (no
// top-level await), so an old one gets this one-line message instead of a syntax error.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `sm-core: needs Node.js >= 22.18 (this is ${process.version}): run \`npm ci\` (it installs the pinned Node 26) ` +
      'and start sm-core with bin/sm-core (or `npx sm-core`), which runs on it\n',
  );
  process.exit(3);
}
// V8's compile cache (Node's module.enableCompileCache, in os.tmpdir()/node-compile-cache or
// NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off) keeps the compiled, type-stripped
// modules between runs: it halves start-up (`npm run bench -- startup`). Where the directory cannot be
// written it is skipped silently.
import('node:module')
  .then((module) => module.enableCompileCache?.())
  .then(() => import('../src/cli/main.ts'))
  .then(async ({ main }) => {
    process.exitCode = await main(process.argv);
  });
