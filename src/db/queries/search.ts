// Blogger search: the one query module behind `sm-core search` and GET /api/v1/bloggers, so the
// two cannot diverge. Full text (handle > full name > bio, last word as prefix) over the GIN index
// on social_profiles.search_vector, trigram typo tolerance over search_names, exact handle first.
// Schema and normalisation: sql/0002_search.sql. Semantics and limits: docs/api.md.
import type { Database, Transaction } from '../database.ts';
import { BLOGGER_COLUMNS, toBlogger, type Blogger, type BloggerRow } from './bloggers.ts';
import { buildTsQueries, handleOf, handlePrefixOf, type QueryLexeme, type SearchRequest } from './search-input.ts';

/**
 * Most matches one search collects and ranks. Broader queries (a two-letter prefix on a million
 * profiles) rank the first MATCH_CAP matches the index yields (plus an exact handle match) and
 * report `total_exact: false`; this bounds the heap reads that dominate latency (docs/performance.md).
 */
export const SEARCH_MATCH_CAP = 1000;
/**
 * Most typo (trigram) matches one search collects: they are suggestions, and each costs a
 * similarity check on the row (a broad typo such as `kowalsky` near thousands of `kowalski`).
 * 100 rather than 200: `franchesca` 20 -> 13 ms, `annabell` 19 -> 13 ms (docs/performance.md).
 */
export const SEARCH_FUZZY_CAP = 100;
/**
 * Most rows near the typo text that one search checks further (every query word near a word of
 * the row, not already a direct match). `anna zz`: all 40,000 rows near `anna` were read and each
 * failed on `zz`, 585 ms on 1,000,000 profiles; capped, 25 ms (docs/performance.md). When the cap
 * is reached `total_exact` is false. Rows the trigram index returns that are not near the text at
 * all are not counted here; in handle mode the raised threshold keeps those few (PREPARE_SQL).
 */
export const SEARCH_FUZZY_CANDIDATE_CAP = 300;
/** Trigram (typo-tolerant) matches are added only when direct matches are fewer than this. */
export const SEARCH_FUZZY_BELOW = 20;
/** Shortest text (characters, words of 3+ letters) that gets trigram matches: shorter is too vague. */
export const SEARCH_FUZZY_MIN_LENGTH = 4;
/** pg_trgm (strict) word similarity a typo match needs (0..1); pinned per query, whatever the server default. */
export const SEARCH_FUZZY_THRESHOLD = 0.6;
/** Statement timeout of a search on the database (ms): a runaway query is cancelled, not queued. */
export const SEARCH_STATEMENT_TIMEOUT_MS = 5000;

/** Why a row is in the results: its handle equals the query, its words match, or a near spelling. */
export type SearchMatch = 'handle' | 'text' | 'fuzzy';

/** One search result. */
export interface SearchHit extends Blogger {
  match: SearchMatch;
  /** Relevance within its match kind, higher first (ts_rank or trigram similarity), 4 decimals. */
  score: number;
}

/** One page of results; the same JSON for the CLI (`--json`) and the API. */
export interface SearchPage {
  data: SearchHit[];
  meta: {
    page: number;
    per_page: number;
    /** Matching profiles; a lower bound when `total_exact` is false. */
    total: number;
    /** False when more than {@link SEARCH_MATCH_CAP} profiles matched and only that many were ranked. */
    total_exact: boolean;
  };
}

/** Options for {@link searchBloggers} (benchmarks and tests; the defaults are the product's). */
export interface SearchOptions {
  matchCap?: number;
  fuzzyCap?: number;
  fuzzyCandidateCap?: number;
  statementTimeoutMs?: number;
}

// Pins the planner settings of this transaction, then returns the query's lexemes as PostgreSQL's
// own parser sees them after sm_search_norm, and the normalised text without spaces (`anna.k_9` ->
// `annak9`, the handle-mode typo text). Deterministic scan order for the capped windows (no
// synchronised or parallel scans); no JIT compile for a 20 ms query; no sequential scan: with a
// LIMIT the planner may prefer one that checks rows until enough pass, and it underestimates
// those checks (a trigram similarity per row: `bloger` read 19,000 rows for 200 matches).
// The strict word similarity threshold (handle mode) is raised above the share of the typo text's
// trigrams that its first word holds: the trigram index keeps a row when that share of the query's
// trigrams is present, so `mariax7` at 0.6 kept every `maria` (5 of 8 trigrams) and checked 11,000
// heap rows to find none; above 5/8 a row needs part of `x7` too.
const PREPARE_SQL = `
SELECT set_config('jit', 'off', true) AS jit,
       set_config('synchronize_seqscans', 'off', true) AS sync,
       set_config('max_parallel_workers_per_gather', '0', true) AS par,
       set_config('enable_seqscan', 'off', true) AS seq,
       set_config('statement_timeout', $2, true) AS st,
       set_config('pg_trgm.word_similarity_threshold', $3, true) AS trgm,
       set_config('pg_trgm.strict_word_similarity_threshold',
         least(1, greatest($3::float8, (SELECT count(*) FROM unnest(show_trgm(n.compact)) t WHERE t = ANY (show_trgm(n.head)))::float8
                                       / greatest(cardinality(show_trgm(n.compact)), 1) + 0.001))::text, true) AS strict,
       n.compact,
       (SELECT coalesce(json_agg(json_build_object('lexeme', u.lexeme, 'position', (SELECT max(x) FROM unnest(u.positions) x))), '[]'::json)
          FROM unnest(to_tsvector('simple', n.norm)) u) AS lexemes
FROM (SELECT norm, replace(norm, ' ', '') AS compact, split_part(norm, ' ', 1) AS head
        FROM (SELECT coalesce(sm_search_norm($1), '') AS norm) x) n`;

// $1 prefix tsquery, $2 whole-word tsquery, $3 handle, $4 platform|null, $5 cap+1, $6 cap,
// $7 the typo text|null, $8 fuzzy-below, $9 limit, $10 offset, $11 every query word (null when
// $7 is the only one, or in handle mode), $12 fuzzy cap + 1, $13 the word of a one-word prefix
// query|null, $14 the handle the query may begin (handle-shaped queries, not one-word prefixes)|null,
// $15 typo candidates examined at most,
// $16 handle mode (the typo text is the whole handle without separators).
// A one-word prefix that starts more than `cap` handles (`ann`) takes its window from the
// search_head btree (handles by first word, then id): reading every posting list under the prefix
// would cost about 1 µs per matching row. Otherwise the GIN indexes: handle and name matches first
// (search_names_vector, sql/0010), then the rest of search_vector (bios) only while those leave
// room under the cap: a broad bio word then costs nothing when handles and names already fill the
// window. A handle-shaped query also takes the handles that start with it, in byte order, from
// the btree of sql/0012 (`anna.k_9` finds anna.k_92, whose words `92` the tsquery cannot reach).
// Trigram matches run only when direct matches are few, not capped, and no handle equals the
// query. Words mode: the index is searched with the longer words only (one- and two-letter words
// have trigrams shared by most rows), then every query word must be near some word of the handle
// or name (`team ops` does not fuzzily match `team only`). Handle mode (a handle-shaped query of
// several words): the whole handle without separators must be near one whole word (the stored
// handle without separators is one): `mariax7` is near `mariax77`, not near every `maria`.
// Either way at most $15 rows near the typo text are checked further: without the cap a query
// whose long words are common and whose other words match nothing read them all (`anna zz`:
// 40,000 rows near `anna`, issue 14).
// Ranking: exact handle (tier 2), then full-text and handle-prefix matches (tier 1): word matches
// by ts_rank with weights A (handle) 1.0, B (full name) 0.4, C (bio) 0.2, whole words counted
// twice (a handle word about 1.2, a bio word about 0.25); handles that only start with the query
// by the share of the handle typed (0..1: `anna.k_9` scores anna.k_92 0.89, read from the index
// alone); then trigram-only matches (tier 0) by similarity; ties broken by id, so pages never
// repeat or skip.
const SEARCH_SQL = `
WITH head AS MATERIALIZED (
  SELECT p.id, p.search_head AS k FROM social_profiles p
  WHERE $13::text IS NOT NULL AND p.search_head >= $13 AND p.search_head < $13 || chr(1114111)
    AND ($4::text IS NULL OR p.platform = $4)
  ORDER BY p.search_head, p.id
  LIMIT $5
), hprefix AS MATERIALIZED (
  SELECT p.id, lower(p.username) COLLATE "C" AS h FROM social_profiles p
  WHERE $14::text IS NOT NULL AND lower(p.username) COLLATE "C" >= $14 AND lower(p.username) COLLATE "C" < $14 || chr(1114111)
    AND ($4::text IS NULL OR p.platform = $4)
  ORDER BY lower(p.username) COLLATE "C", p.id
  LIMIT $5
), named AS MATERIALIZED (
  SELECT p.id FROM social_profiles p
  WHERE (SELECT count(*) FROM head) <= $6 AND p.search_names_vector @@ $1::tsquery AND ($4::text IS NULL OR p.platform = $4)
  LIMIT $5
), direct AS MATERIALIZED (
  (SELECT p.id, ts_rank('{0.1,0.2,0.4,1.0}', p.search_vector, $1::tsquery)
              + ts_rank('{0.1,0.2,0.4,1.0}', p.search_vector, $2::tsquery) AS score
   FROM named n JOIN social_profiles p ON p.id = n.id)
  UNION ALL
  (SELECT p.id, ts_rank('{0.1,0.2,0.4,1.0}', p.search_vector, $1::tsquery)
              + ts_rank('{0.1,0.2,0.4,1.0}', p.search_vector, $2::tsquery)
   FROM social_profiles p
   WHERE (SELECT count(*) FROM head) <= $6 AND (SELECT count(*) FROM named) <= $6
     AND p.search_vector @@ $1::tsquery AND NOT p.search_names_vector @@ $1::tsquery AND ($4::text IS NULL OR p.platform = $4)
   LIMIT $5 - (SELECT count(*) FROM named))
  UNION ALL
  (SELECT p.id, ts_rank('{0.1,0.2,0.4,1.0}', p.search_vector, $1::tsquery)
              + ts_rank('{0.1,0.2,0.4,1.0}', p.search_vector, $2::tsquery)
   FROM (SELECT id FROM head ORDER BY k, id LIMIT $6) h JOIN social_profiles p ON p.id = h.id
   WHERE (SELECT count(*) FROM head) > $6)
  UNION ALL
  (SELECT h.id, length($14)::float4 / length(h.h) FROM hprefix h WHERE NOT EXISTS (SELECT 1 FROM named n WHERE n.id = h.id))
), handle AS (
  SELECT p.id FROM social_profiles p WHERE lower(p.username) = $3 AND ($4::text IS NULL OR p.platform = $4)
), fuzzy_seen AS MATERIALIZED (
  -- No LIMIT here, so each branch is planned as a trigram index scan; the LIMIT below stops it
  -- early (a CTE is read on demand). With the LIMIT inside, the planner walks the primary key instead.
  SELECT p.id, p.search_names FROM social_profiles p
  WHERE $7::text IS NOT NULL AND NOT $16::boolean
    AND (SELECT count(*) FROM direct) < least($8, $5) AND (SELECT count(*) FROM head) <= $6 AND NOT EXISTS (SELECT 1 FROM handle)
    AND $7::text <% p.search_names AND ($4::text IS NULL OR p.platform = $4)
  UNION ALL
  SELECT p.id, p.search_names FROM social_profiles p
  WHERE $7::text IS NOT NULL AND $16::boolean
    AND (SELECT count(*) FROM direct) < least($8, $5) AND (SELECT count(*) FROM head) <= $6 AND NOT EXISTS (SELECT 1 FROM handle)
    AND $7::text <<% p.search_names AND ($4::text IS NULL OR p.platform = $4)
), fuzzy_all AS MATERIALIZED (
  SELECT c.id, CASE WHEN $16::boolean THEN strict_word_similarity($7::text, c.search_names)
                    ELSE word_similarity($7::text, c.search_names) END AS score
  FROM (SELECT id, search_names FROM fuzzy_seen LIMIT $15) c
  WHERE ($11::text[] IS NULL OR (SELECT bool_and(w <% c.search_names) FROM unnest($11::text[]) w))
    AND NOT EXISTS (SELECT 1 FROM direct d WHERE d.id = c.id)
), fuzzy AS MATERIALIZED (
  SELECT id, score FROM fuzzy_all LIMIT $12
), hits AS (
  SELECT id, max(tier) AS tier, max(score) AS score FROM (
    SELECT id, 1 AS tier, score FROM (SELECT id, score FROM direct LIMIT $6) d
    UNION ALL SELECT id, 2, 0 FROM handle
    UNION ALL SELECT id, 0, score FROM (SELECT id, score FROM fuzzy LIMIT $12 - 1) f
  ) x GROUP BY id
), page AS (
  SELECT id, tier, score FROM hits ORDER BY tier DESC, score DESC, id LIMIT $9 OFFSET $10
)
SELECT (SELECT count(*) FROM hits) AS total,
       ((SELECT count(*) FROM head) <= $6 AND (SELECT count(*) FROM hprefix) <= $6 AND (SELECT count(*) FROM direct) <= $6
        AND CASE WHEN (SELECT count(*) FROM fuzzy) >= $12 THEN false
                 ELSE (SELECT count(*) FROM (SELECT 1 FROM fuzzy_seen LIMIT $15) s) < $15 END) AS total_exact,
       pg.tier, pg.score, ${BLOGGER_COLUMNS}
FROM (SELECT 1) one
LEFT JOIN page pg ON true
LEFT JOIN social_profiles p ON p.id = pg.id
ORDER BY pg.tier DESC, pg.score DESC, pg.id`;

const MATCH_OF_TIER: Record<number, SearchMatch> = { 2: 'handle', 1: 'text', 0: 'fuzzy' };

interface SearchRow extends BloggerRow {
  total: string;
  total_exact: boolean;
  tier: number | null;
  score: number | null;
}

async function runSearch(tx: Transaction, req: SearchRequest, limits: Required<SearchOptions>): Promise<SearchPage> {
  const { matchCap: cap, fuzzyCap, fuzzyCandidateCap, statementTimeoutMs } = limits;
  const empty: SearchPage = { data: [], meta: { page: req.page, per_page: req.perPage, total: 0, total_exact: true } };
  const prep = await tx.query<{ lexemes: QueryLexeme[]; compact: string }>(PREPARE_SQL, [
    req.query,
    String(statementTimeoutMs),
    String(SEARCH_FUZZY_THRESHOLD),
  ]);
  const { lexemes, compact } = prep.rows[0]!;
  const tsq = buildTsQueries(lexemes);
  if (!tsq) return empty;
  const ordered = [...lexemes].sort((a, b) => a.position - b.position).map((l) => l.lexeme);
  const onePrefixWord = ordered.length === 1 && tsq.prefix.endsWith(':*') ? ordered[0]! : null;
  const handlePrefix = onePrefixWord === null ? handlePrefixOf(req.query) : null;
  // Handle mode: a handle typed with its separators (`maria_x7`); its words are too short to search alone.
  const handleMode = handlePrefix !== null && ordered.length > 1;
  const longWords = ordered.filter((w) => [...w].length >= 3).join(' ');
  const typoText = handleMode ? compact : longWords;
  const fuzzyText = [...typoText].length >= SEARCH_FUZZY_MIN_LENGTH ? typoText : null;
  const res = await tx.query<SearchRow>(SEARCH_SQL, [
    tsq.prefix,
    tsq.exact,
    handleOf(req.query),
    req.platform,
    cap + 1,
    cap,
    fuzzyText,
    SEARCH_FUZZY_BELOW,
    req.perPage,
    (req.page - 1) * req.perPage,
    handleMode || (ordered.length === 1 && ordered[0] === fuzzyText) ? null : ordered,
    fuzzyCap + 1,
    onePrefixWord,
    handlePrefix,
    fuzzyCandidateCap,
    handleMode,
  ]);
  const first = res.rows[0];
  if (!first) return empty;
  return {
    data: res.rows
      .filter((r) => r.id !== null)
      .map((r) => ({ ...toBlogger(r), match: MATCH_OF_TIER[r.tier ?? 1]!, score: Math.round(Number(r.score ?? 0) * 10_000) / 10_000 })),
    meta: { page: req.page, per_page: req.perPage, total: Number(first.total), total_exact: first.total_exact },
  };
}

/**
 * Runs one search: one read-only transaction, two statements. Accent-, case- and
 * punctuation-insensitive; the last word is a prefix (`ann` finds `annabel_k`); handles match by
 * their parts (`k_92` finds `anna.k_92`); near spellings match when direct matches are few
 * (`bloger` finds `blogger`, `maria_x7` finds `maria.x_77`); a query typed as a handle also finds
 * the handles it begins (`anna.k_9` finds `anna.k_92`); an exact handle is always first.
 * @param req a request validated by parseSearchRequest
 * @returns the page and its totals; an empty page (total 0) for a query of punctuation only
 * @throws the driver's error when the database fails (57014 when the statement timeout fires)
 */
export async function searchBloggers(db: Database, req: SearchRequest, options: SearchOptions = {}): Promise<SearchPage> {
  const limits: Required<SearchOptions> = {
    matchCap: options.matchCap ?? SEARCH_MATCH_CAP,
    fuzzyCap: options.fuzzyCap ?? SEARCH_FUZZY_CAP,
    fuzzyCandidateCap: options.fuzzyCandidateCap ?? SEARCH_FUZZY_CANDIDATE_CAP,
    statementTimeoutMs: options.statementTimeoutMs ?? SEARCH_STATEMENT_TIMEOUT_MS,
  };
  return db.transaction((tx) => runSearch(tx, req, limits));
}
