// Ingest benchmark (issue 7 §1): the page write of a followers sync (upsertFollowers +
// upsertSubscriptions, one transaction per page of 200 users, exactly the product's query modules)
// in rows per second, against a plain COPY of the same rows into the same tables in the same run
// (followers, subscriptions, and the `followed` events the upsert writes for new edges).
// Target: the upsert reaches at least half of COPY's rate. Also shown: the same upsert when every
// row already exists (a daily re-sync, the common case in production).
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { upsertFollowers } from '../src/db/queries/followers.ts';
import { upsertSubscriptions } from '../src/db/queries/subscriptions.ts';
import { generatedFollower } from '../src/providers/sample/generated-list.ts';
import type { FollowerRecord } from '../src/providers/types.ts';
import { type Bench, type Figure, quantile } from './lib/bench.ts';
import { createScratchDatabase, type ScratchDatabase } from './lib/scratch-db.ts';

const PAGE = 200;
const PAGES = Number(process.env.SM_BENCH_INGEST_PAGES ?? 100);
const TRIALS = Number(process.env.SM_BENCH_INGEST_TRIALS ?? 5);
const PROFILE_EXT_ID = '9900000001';

/** The pages, as the RocketAPI client would hand them over (records with their raw payload). */
function makePages(): FollowerRecord[][] {
  return Array.from({ length: PAGES }, (_, p) =>
    Array.from({ length: PAGE }, (_, i) => {
      const raw = generatedFollower(PROFILE_EXT_ID, p * PAGE + i);
      return {
        platform: 'instagram' as const,
        extId: raw.pk_id as string,
        username: raw.username as string,
        fullName: raw.full_name as string,
        avatar: raw.profile_pic_url as string,
        isPrivate: raw.is_private as boolean,
        isVerified: raw.is_verified as boolean,
        raw,
      };
    }),
  );
}

/** COPY text format: backslash, tab, newline and carriage return escaped; null as \N. */
function copyText(v: string | boolean | null): string {
  if (v === null) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

async function copyRows(client: pg.PoolClient, sql: string, lines: () => Generator<string>): Promise<void> {
  await pipeline(Readable.from(lines()), client.query(copyFrom(sql)));
}

async function reset(s: ScratchDatabase): Promise<void> {
  // The edge and event tables of 0006 reference followers: truncated with them.
  await s.db.exec('TRUNCATE subscription_events, subscriptions, following_events, followings, followers RESTART IDENTITY');
}

async function timeUpsert(s: ScratchDatabase, pages: FollowerRecord[][], profileId: string, runId: string): Promise<number> {
  const start = performance.now();
  for (const users of pages) {
    await s.db.transaction(async (tx) => {
      await upsertFollowers(tx, users);
      await upsertSubscriptions(tx, { profileId, platform: 'instagram', extIds: users.map((u) => u.extId), jobCallId: runId });
    });
  }
  return performance.now() - start;
}

async function timeCopy(pool: pg.Pool, pages: FollowerRecord[][], profileId: string, runId: string): Promise<number> {
  const all = pages.flat();
  const client = await pool.connect();
  try {
    const start = performance.now();
    await client.query('BEGIN');
    await copyRows(
      client,
      'COPY followers (platform, ext_id, username, full_name, avatar, is_private, is_verified, raw_data) FROM STDIN',
      function* () {
        for (const u of all) {
          const cols = [u.platform, u.extId, u.username, u.fullName, u.avatar, u.isPrivate, u.isVerified, JSON.stringify(u.raw)];
          yield `${cols.map(copyText).join('\t')}\n`;
        }
      },
    );
    // After TRUNCATE ... RESTART IDENTITY one COPY numbers the followers 1..N in order.
    await copyRows(
      client,
      'COPY subscriptions (social_profile_id, follower_id, active, followed_at, last_seen_at, last_seen_job_call_id) FROM STDIN',
      function* () {
        const now = new Date().toISOString();
        for (let i = 1; i <= all.length; i++) yield `${profileId}\t${i}\tt\t${now}\t${now}\t${runId}\n`;
      },
    );
    // The upsert writes a `followed` event per new edge (baseline: the profile has none yet): so does COPY.
    await copyRows(
      client,
      'COPY subscription_events (social_profile_id, follower_id, event, baseline, job_call_id, occurred_at) FROM STDIN',
      function* () {
        const now = new Date().toISOString();
        for (let i = 1; i <= all.length; i++) yield `${profileId}\t${i}\tfollowed\tt\t${runId}\t${now}\n`;
      },
    );
    await client.query('COMMIT');
    return performance.now() - start;
  } finally {
    client.release();
  }
}

const bench: Bench = {
  name: 'ingest',
  description: `page upsert (${PAGES} pages x ${PAGE} users: followers + subscriptions) vs COPY of the same rows, ${TRIALS} trials`,
  async run({ adminUrl, log }) {
    const s = await createScratchDatabase(adminUrl, 'ingest');
    const pool = new pg.Pool({ connectionString: s.url, max: 1 });
    try {
      const pages = makePages();
      const rows = 2 * PAGES * PAGE; // one followers row and one subscriptions row per user
      const profile = await s.db.query<{ id: string }>(
        `INSERT INTO social_profiles (ext_id, username) VALUES ($1, 'ingest.bench') RETURNING id`,
        [PROFILE_EXT_ID],
      );
      const profileId = profile.rows[0]!.id;
      const runs = await s.db.query<{ id: string }>(
        `INSERT INTO job_calls (kind, subject_id, status) SELECT 'followers', $1, 'succeeded' FROM generate_series(1, 2) RETURNING id`,
        [profileId],
      );
      const [runA, runB] = runs.rows.map((r) => r.id) as [string, string];
      const upsertNew: number[] = [];
      const upsertExisting: number[] = [];
      const copy: number[] = [];
      for (let t = 0; t < TRIALS; t++) {
        await reset(s);
        copy.push(rows / ((await timeCopy(pool, pages, profileId, runA)) / 1000));
        const check = await s.db.query<{ n: string }>('SELECT count(*) AS n FROM subscriptions s JOIN followers f ON f.id = s.follower_id');
        if (Number(check.rows[0]!.n) !== rows / 2) throw new Error(`COPY stored ${check.rows[0]!.n} edges, expected ${rows / 2}`);
        await reset(s);
        upsertNew.push(rows / ((await timeUpsert(s, pages, profileId, runA)) / 1000));
        upsertExisting.push(rows / ((await timeUpsert(s, pages, profileId, runB)) / 1000));
        log(
          `trial ${t + 1}: COPY ${copy.at(-1)!.toFixed(0)} rows/s, upsert new ${upsertNew.at(-1)!.toFixed(0)}, existing ${upsertExisting.at(-1)!.toFixed(0)}`,
        );
      }
      const ratios = upsertNew.map((u, i) => u / copy[i]!);
      const median = (xs: number[]) => quantile(xs, 0.5);
      const figures: Figure[] = [
        { name: 'COPY rows/s (median)', value: median(copy), unit: 'rows/s', note: `${rows} rows per trial` },
        {
          name: 'upsert rows/s, new rows (median)',
          value: median(upsertNew),
          unit: 'rows/s',
          note: `${PAGES} transactions of ${PAGE} users`,
        },
        {
          name: 'upsert / COPY (median of per-trial ratios)',
          value: median(ratios),
          unit: 'ratio',
          target: { above: 0.5 },
          note: `trials: ${ratios.map((r) => r.toFixed(2)).join(', ')}`,
        },
        {
          name: 'upsert rows/s, existing rows (median)',
          value: median(upsertExisting),
          unit: 'rows/s',
          note: 're-sync: every row updated',
        },
      ];
      return figures;
    } finally {
      await pool.end();
      await s.drop();
    }
  },
};

export default bench;
