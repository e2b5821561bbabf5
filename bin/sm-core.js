#!/usr/bin/env node
// Entry point: Node >= 22.18 runs the TypeScript sources directly (type stripping), so there is no
// build step that can go stale. `npm ci` pins Node 26 (devDependency `node`) for npm scripts and npx.
import { main } from '../src/cli/main.ts';

process.exitCode = await main(process.argv);
