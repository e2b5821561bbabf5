// Guards main: `npm test` fails when `npm run lint` (Biome: lint rules + formatting) would fail in CI,
// so nobody lands a change that turns .ci/run red on lint alone. Fix with `npm run lint:fix`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('lint', () => {
  it('biome check passes on the repository (run `npm run lint:fix` to fix formatting)', () => {
    const res = spawnSync(`${root}node_modules/.bin/biome`, ['check', '--colors=off', '.'], { cwd: root, encoding: 'utf8' });
    const report = `${res.stdout}${res.stderr}`;
    expect(res.status, report).toBe(0);
  });
});
