-- 0012_search_handle_prefix: a btree on the lower-case handle, byte-ordered (COLLATE "C"), so a
-- search typed as a handle (`anna.k_9`, `david_s1`) reads the handles that start with it as one
-- bounded index range (src/db/queries/search.ts). Two reasons (issue 14):
-- - type-ahead continuity: `anna.k_` and `anna.k_92` found anna.k_92 but `anna.k_9` did not (its
--   last word `9` is too short to be a full-text prefix: `'9':*` would union every number's
--   posting list); the handle's own prefix has no such cost;
-- - handle-shaped queries that match nothing fell through to the typo path with thousands of
--   trigram candidates; most half-remembered handles are prefixes of stored ones and now stop there.
-- 0002's index on lower(username) uses the database collation, whose order need not be byte order,
-- so it cannot serve a `>= prefix AND < prefix || U+10FFFF` range.

CREATE INDEX social_profiles_handle_prefix_idx ON social_profiles ((lower(username)) COLLATE "C", id);
