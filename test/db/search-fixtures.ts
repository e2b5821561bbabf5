// Profiles the search tests query (invented people). Shared by the database, PGlite, HTTP and CLI
// tests so every layer is checked against the same rows.
import type { Queryable } from '../../src/db/database.ts';

/** One fixture profile; `platform` defaults to instagram. */
export interface FixtureProfile {
  username: string;
  full_name?: string | null;
  bio?: string | null;
  platform?: string;
  followers_count?: number | string | null;
}

/** Number of `pager_NNN` profiles (for paging tests). */
export const PAGER_COUNT = 45;

export const SEARCH_FIXTURES: FixtureProfile[] = [
  // C20 type-ahead
  { username: 'annabel_k', full_name: 'Annabel Kowalczyk', bio: 'Travel notes from Kraków', followers_count: 1200 },
  { username: 'anna.k_92', full_name: 'Anna K.', bio: 'Food and coffee', followers_count: 9007199254740991 },
  // exact handle first
  { username: 'anna', full_name: 'Someone Else', bio: null, followers_count: 5 },
  // accents
  { username: 'zm.photo', full_name: 'Zoë Martin', bio: 'Street photography', followers_count: 300 },
  { username: 'mueller_fit', full_name: 'Jörg Müller', bio: 'Fitness coach', followers_count: 40 },
  // typo tolerance
  { username: 'mia.blogger', full_name: 'Mia Rossi', bio: 'Lifestyle', followers_count: 800 },
  // hostile queries (C19)
  { username: 'ops.team', full_name: 'Team Ops', bio: 'We run the ops::cron jobs', followers_count: 10 },
  { username: 'team.only', full_name: 'Team Solo', bio: 'Just a team', followers_count: 11 },
  { username: 'foobar_shop', full_name: 'Foo Bar', bio: 'foo and bar', followers_count: 12 },
  { username: 'latelier.paris', full_name: "L'Atelier Paris", bio: 'Contact: x@y.z', followers_count: 13 },
  // ranking: handle > full name > bio
  { username: 'orchid.shop', full_name: 'Plant Store', bio: 'Plants', followers_count: 1 },
  { username: 'green.fingers', full_name: 'Orchid Lover', bio: 'Plants too', followers_count: 2 },
  { username: 'flower.fan', full_name: 'Flower Fan', bio: 'I love every orchid', followers_count: 3 },
  // platform filter
  { username: 'anna_tiktok', full_name: 'Anna Tik', bio: null, platform: 'tiktok', followers_count: 7 },
  // paging: identical relevance, so only the id tie-break orders them
  ...Array.from({ length: PAGER_COUNT }, (_, i) => ({
    username: `pager_${String(i + 1).padStart(3, '0')}`,
    full_name: 'Page Tester',
    bio: null,
    followers_count: i,
  })),
];

/**
 * Inserts the fixtures in order (ids ascend in array order) and returns username -> id.
 * Batch insert through unnest, as the house rules ask.
 */
export async function insertSearchFixtures(db: Queryable, rows: FixtureProfile[] = SEARCH_FIXTURES): Promise<Map<string, string>> {
  const res = await db.query<{ id: string; username: string }>(
    `INSERT INTO social_profiles (platform, ext_id, username, full_name, bio, followers_count, last_synced_at)
     SELECT platform, ext_id, username, full_name, bio, followers_count::bigint, now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY
            AS t(platform, ext_id, username, full_name, bio, followers_count, ord)
      ORDER BY ord
     RETURNING id, username`,
    [
      rows.map((r) => r.platform ?? 'instagram'),
      rows.map((_, i) => String(17841400000000001n + BigInt(i))),
      rows.map((r) => r.username),
      rows.map((r) => r.full_name ?? null),
      rows.map((r) => r.bio ?? null),
      rows.map((r) => (r.followers_count === null || r.followers_count === undefined ? null : String(r.followers_count))),
    ],
  );
  return new Map(res.rows.map((r) => [r.username, String(r.id)]));
}
