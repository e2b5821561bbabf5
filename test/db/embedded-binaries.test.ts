// The embedded server's binaries for its OS user: as root, a checkout the `postgres` account cannot
// enter (e.g. under /root, mode 0700) gets its binaries copied once to a place that account can run.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binariesFor, findBinaries, serverUser } from '../../src/db/embedded/binaries.ts';

describe('binariesFor', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'sm-bin-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('copies the binaries once out of a directory the server user cannot enter, and those run as that user', () => {
    const real = findBinaries();
    const hidden = path.join(base, 'hidden', 'native');
    cpSync(real.nativeDir, hidden, { recursive: true, verbatimSymlinks: true });
    cpSync(path.join(real.nativeDir, '..', 'package.json'), path.join(base, 'hidden', 'package.json'));
    chmodSync(base, 0o700);
    const home = path.join(tmpdir(), `sm-bin-home-${process.pid}`);
    try {
      const user = serverUser();
      const bin = {
        ...real,
        nativeDir: hidden,
        initdb: path.join(hidden, 'bin', 'initdb'),
        postgres: path.join(hidden, 'bin', 'postgres'),
      };
      const got = binariesFor(bin, user, home);
      if (user === null) {
        // Not root: the server runs as this user, who can enter the checkout.
        expect(got).toBe(bin);
        return;
      }
      expect(path.dirname(got.postgres)).toMatch(new RegExp(`^${home}/postgres-\\d+\\.\\d+\\.\\d+.*/bin$`));
      expect(existsSync(path.join(got.nativeDir, '.complete'))).toBe(true);
      const run = spawnSync(got.postgres, ['--version'], { uid: user.uid, gid: user.gid, encoding: 'utf8' });
      expect(run.stdout).toMatch(/^postgres \(PostgreSQL\) 18\./);
      const blocked = spawnSync(bin.postgres, ['--version'], { uid: user.uid, gid: user.gid, encoding: 'utf8' });
      expect(blocked.error?.message ?? blocked.status).toMatch(/EACCES/);
      expect(binariesFor(bin, user, home)).toEqual(got); // once: the copy is reused
    } finally {
      chmodSync(base, 0o755);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
