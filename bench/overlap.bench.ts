// Overlap benchmark (issue 16 §2): 3 profiles with 1,000,000 active followers each in a dedicated
// database on the local server (bench/overlap-data.sql, generate_series; built once and reused),
// neighbours sharing 30 % of their followers. Measures measureOverlap (src/db/queries/overlap.ts),
// the query behind `sm-core overlap`: two profiles (target: median < 2 s) and, for information,
// three (the one-pass bit-mask query).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from '../src/db/database.ts';
import { measureOverlap } from '../src/db/queries/overlap.ts';
import { summarize, timed, type Bench, type Figure } from './lib/bench.ts';
import { ensureBenchDatabase, loadWithoutIndexes } from './lib/bench-db.ts';

const FOLLOWERS = Number(process.env.SM_BENCH_OVERLAP_FOLLOWERS ?? 1_000_000);
const PROFILES = 3;
/** Share of a profile's followers that also follow the next profile. */
const SHARED = 0.3;
const ROUNDS = Number(process.env.SM_BENCH_OVERLAP_ROUNDS ?? 5);
const DATA_SQL = fileURLToPath(new URL('./overlap-data.sql', import.meta.url));
const MIGRATION = fileURLToPath(new URL('../sql/0013_audience_alerts.sql', import.meta.url));

async function build(db: Database, log: (m: string) => void): Promise<void> {
  await loadWithoutIndexes(
    db,
    'subscriptions',
    () => db.query(readFileSync(DATA_SQL, 'utf8'), [PROFILES, FOLLOWERS, SHARED]).then(() => {}),
    log,
  );
  await db.exec('VACUUM ANALYZE followers');
  log(`generated ${PROFILES} profiles x ${FOLLOWERS} followers`);
}

const bench: Bench = {
  name: 'overlap',
  description: `sm-core overlap on ${PROFILES} profiles x ${FOLLOWERS} active followers (${SHARED * 100} % shared by neighbours)`,
  async run(ctx) {
    const { db } = await ensureBenchDatabase({
      name: 'sm_core_bench_overlap',
      adminUrl: ctx.adminUrl,
      fingerprint: [readFileSync(DATA_SQL, 'utf8'), readFileSync(MIGRATION, 'utf8'), String(FOLLOWERS), String(PROFILES), String(SHARED)],
      build,
      log: ctx.log,
    });
    try {
      const ids = (await db.query<{ id: string }>('SELECT id FROM social_profiles ORDER BY id')).rows.map((r) => r.id);
      const figures: Figure[] = [];
      for (const n of [2, PROFILES]) {
        const set = ids.slice(0, n);
        const first = await measureOverlap(db, set); // warms the cache; its figures are checked below
        const expectShared = Math.round(FOLLOWERS * SHARED);
        if (first.pairs[0]!.shared !== expectShared) throw new Error(`pair 1-2 shared ${first.pairs[0]!.shared}, expected ${expectShared}`);
        const samples: number[] = [];
        for (let i = 0; i < ROUNDS; i++) samples.push(await timed(() => measureOverlap(db, set)));
        const s = summarize(samples);
        ctx.log(`${n} profiles: median ${s.median.toFixed(0)} ms over ${s.n} runs; reach ${first.reach}`);
        figures.push({
          name: `${n} profiles median`,
          value: s.median,
          unit: 'ms',
          ...(n === 2 ? { target: { below: 2000 } } : {}),
          note: `${s.n} runs, max ${Math.max(...samples).toFixed(0)} ms; shared ${first.pairs[0]!.shared}, reach ${first.reach}`,
        });
      }
      return figures;
    } finally {
      await db.close();
    }
  },
};
export default bench;
