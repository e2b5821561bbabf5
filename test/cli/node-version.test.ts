// bin/sm-core.js refuses an old Node with a clear message instead of "Unknown file extension .ts".
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/sm-core.js', import.meta.url).pathname;

describe('bin/sm-core.js on an old Node', () => {
  it('exits 3 with a one-line hint to use npx', () => {
    const fakeOldNode = 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.20.2"})';
    const res = spawnSync(process.execPath, ['--import', fakeOldNode, BIN, '--help'], { encoding: 'utf8' });
    expect(res.status).toBe(3);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^sm-core: needs Node\.js >= 22\.18 .*npx sm-core/);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('runs on the pinned Node', () => {
    const res = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    expect(res.status).toBe(0);
    expect(res.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
