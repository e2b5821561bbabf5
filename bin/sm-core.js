#!/usr/bin/env node
// Entry point: Node >= 22.18 runs the TypeScript sources directly (type stripping), so there is no
// build step that can go stale. `npm ci` pins Node 26 (devDependency `node`) for npm scripts and npx.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `sm-core: needs Node.js >= 22.18 (this is ${process.version}); run it as \`npx sm-core ...\` after \`npm ci\`, ` +
      'which uses the Node version pinned in package.json\n',
  );
  process.exit(3);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
