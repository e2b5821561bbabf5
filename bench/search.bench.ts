// Search benchmark (issue 5): 1,000,000 generated profiles in a dedicated database on the local
// server (bench/search-data.sql, built once and reused), a fixed mix of realistic queries, and:
// latency of the query module (searchBloggers), latency of GET /api/v1/bloggers, and requests per
// second with a few concurrent HTTP clients. Target: query module p95 < 20 ms.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Database } from '../src/db/database.ts';
import { parseSearchRequest } from '../src/db/queries/search-input.ts';
import { searchBloggers } from '../src/db/queries/search.ts';
import { createLogger } from '../src/logger.ts';
import { createHttpServer } from '../src/http/server.ts';
import { summarize, timed, type Bench, type Figure } from './lib/bench.ts';
import { openMeteredConnection } from './lib/backend-cpu.ts';
import { ensureBenchDatabase, loadWithoutIndexes } from './lib/bench-db.ts';

const ROWS = Number(process.env.SM_BENCH_SEARCH_ROWS ?? 1_000_000);
const ROUNDS = Number(process.env.SM_BENCH_SEARCH_ROUNDS ?? 5);
const CONCURRENCY = 4;
/** Runs of each query when measuring the database's CPU time (10 ms tick resolution). */
const CPU_RUNS = 10;
const LOAD_SECONDS = 10;
const DATA_SQL = fileURLToPath(new URL('./search-data.sql', import.meta.url));
const MIGRATION = fileURLToPath(new URL('../sql/0002_search.sql', import.meta.url));

/** The query mix, by kind. Exact handles are drawn from the data (fixed ids) at run time. */
const MIX: Record<string, string[]> = {
  prefix: ['ann', 'anna', 'zo', 'jos', 'fran', 'kowal', 'mül', 'anna.k', 'sofi', 'nicholas.m', 'travel.'],
  typo: ['kowalsky', 'franchesca', 'annabell', 'bloger', 'sondergard', 'jenifer smith', 'lewandowsky'],
  accent: ['zoe', 'jose', 'muller', 'chloe dubois', 'soren', 'lukasz', 'алена'],
  'full name': ['jose garcia', 'anna olsson', 'zoë dubois', 'emma schmidt', 'francesca procházka', 'kenji tanaka'],
};
const HANDLE_IDS = [17, 4_242, 99_999, 250_000, 500_001, 777_777, 900_000, 999_983];

async function build(db: Database, log: (m: string) => void): Promise<void> {
  await loadWithoutIndexes(
    db,
    'social_profiles',
    async () => {
      for (let done = 0; done < ROWS; done += 250_000) {
        const n = Math.min(250_000, ROWS - done);
        await db.query(readFileSync(DATA_SQL, 'utf8'), [done + 1, done + n]);
        log(`generated ${done + n} / ${ROWS} profiles`);
      }
    },
    log,
  );
}

async function handleQueries(db: Database): Promise<string[]> {
  const res = await db.query<{ username: string }>('SELECT username FROM social_profiles WHERE id = ANY($1::bigint[]) ORDER BY id', [
    HANDLE_IDS,
  ]);
  return res.rows.map((r, i) => (i % 2 ? `@${r.username}` : r.username));
}

function figures(label: string, byKind: Map<string, number[]>, target?: number): Figure[] {
  const all = [...byKind.values()].flat();
  const s = summarize(all);
  const out: Figure[] = [
    { name: `${label} median`, value: s.median, unit: 'ms', note: `${s.n} queries` },
    { name: `${label} p95`, value: s.p95, unit: 'ms', ...(target ? { target: { below: target } } : {}) },
  ];
  for (const [kind, samples] of byKind) {
    const k = summarize(samples);
    out.push({ name: `${label} ${kind} median / p95`, value: k.median, unit: 'ms', note: `p95 ${k.p95.toFixed(1)} ms, ${k.n} queries` });
  }
  return out;
}

async function measure(kinds: Map<string, string[]>, run: (q: string) => Promise<unknown>): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>();
  for (const [, queries] of kinds) for (const q of queries) await run(q); // warm-up round
  for (let round = 0; round < ROUNDS; round++) {
    for (const [kind, queries] of kinds) {
      for (const q of queries) {
        const ms = await timed(() => run(q));
        samples.set(kind, [...(samples.get(kind) ?? []), ms]);
      }
    }
  }
  return samples;
}

/** Database CPU ms per query, per kind (each value: one query's mean over CPU_RUNS runs). */
async function measureCpu(url: string, kinds: Map<string, string[]>): Promise<Map<string, number[]> | null> {
  const metered = await openMeteredConnection(url);
  try {
    if (metered.cpuMs() === null) return null;
    const out = new Map<string, number[]>();
    for (const [kind, queries] of kinds) {
      for (const q of queries) {
        const req = parseSearchRequest({ q });
        await searchBloggers(metered.db, req);
        const before = metered.cpuMs()!;
        for (let i = 0; i < CPU_RUNS; i++) await searchBloggers(metered.db, req);
        out.set(kind, [...(out.get(kind) ?? []), (metered.cpuMs()! - before) / CPU_RUNS]);
      }
    }
    return out;
  } finally {
    await metered.close();
  }
}

const bench: Bench = {
  name: 'search',
  description: `blogger search over ${ROWS.toLocaleString('en')} generated profiles (query module, HTTP, throughput)`,
  async run(ctx) {
    const { db, url } = await ensureBenchDatabase({
      name: 'sm_core_bench_search',
      adminUrl: ctx.adminUrl,
      fingerprint: [readFileSync(DATA_SQL, 'utf8'), readFileSync(MIGRATION, 'utf8'), String(ROWS)],
      build,
      log: ctx.log,
    });
    const server = createHttpServer({ db, logger: createLogger('silent') });
    try {
      const kinds = new Map(Object.entries(MIX));
      kinds.set('exact handle', await handleQueries(db));
      ctx.log(`query module: ${ROUNDS} rounds of ${[...kinds.values()].flat().length} queries`);
      const module = await measure(kinds, (q) => searchBloggers(db, parseSearchRequest({ q })));

      ctx.log(`database CPU: each query ${CPU_RUNS} times on one connection`);
      const cpu = await measureCpu(url, kinds);

      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/bloggers?q=`;
      const get = async (q: string) => {
        const res = await fetch(base + encodeURIComponent(q));
        if (res.status !== 200) throw new Error(`HTTP ${res.status} for ${q}`);
        await res.arrayBuffer();
      };
      ctx.log('HTTP endpoint: same mix, one client');
      const http = await measure(kinds, get);

      ctx.log(`throughput: ${CONCURRENCY} concurrent clients for ${LOAD_SECONDS} s`);
      const all = [...kinds.values()].flat();
      const deadline = performance.now() + LOAD_SECONDS * 1000;
      const latencies: number[] = [];
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, client) => {
          for (let i = client; performance.now() < deadline; i += CONCURRENCY) latencies.push(await timed(() => get(all[i % all.length]!)));
        }),
      );
      const load = summarize(latencies);
      const m = summarize([...module.values()].flat());
      const h = summarize([...http.values()].flat());
      const cpuFigures: Figure[] = [];
      if (cpu) {
        const c = summarize([...cpu.values()].flat());
        cpuFigures.push({
          name: 'database CPU per query median',
          value: c.median,
          unit: 'ms',
          note: 'server process CPU (load-independent), 10 ms ticks',
        });
        cpuFigures.push({
          name: 'database CPU per query p95',
          value: c.p95,
          unit: 'ms',
          note: `max ${Math.max(...[...cpu.values()].flat()).toFixed(1)} ms`,
        });
        for (const [kind, v] of cpu)
          cpuFigures.push({
            name: `database CPU ${kind} median`,
            value: summarize(v).median,
            unit: 'ms',
            note: `p95 ${summarize(v).p95.toFixed(1)} ms`,
          });
      }
      return [
        ...figures('query module', module, 20),
        ...cpuFigures,
        ...figures('HTTP', http),
        { name: 'HTTP / module median', value: h.median / m.median, unit: 'x', note: 'HTTP overhead factor (JSON, node:http, loopback)' },
        {
          name: `throughput (${CONCURRENCY} clients)`,
          value: latencies.length / LOAD_SECONDS,
          unit: 'req/s',
          note: `median ${load.median.toFixed(1)} ms, p95 ${load.p95.toFixed(1)} ms under load`,
        },
      ];
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    }
  },
};

export default bench;
