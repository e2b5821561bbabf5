-- 0010_search_names_vector: a full-text vector of the handle and the full name only (weights A and B
-- as in search_vector, without the bio), with its GIN index. A search collects handle and name
-- matches from it first and reads the whole search_vector only while they leave room under its
-- match cap (src/db/queries/search.ts): a broad bio word such as `travel` (32,000 bios in the
-- benchmark) made the GIN index decode every posting before the first row came out, 15-19 ms;
-- its 3,478 handle and name matches are read in 3 ms (docs/performance.md).
-- Adding a stored generated column rewrites social_profiles once, under its table lock: searches
-- and profile writes wait for the migration on a large table.

ALTER TABLE social_profiles
  ADD COLUMN search_names_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', sm_search_norm(username)), 'A')
    || setweight(to_tsvector('simple', coalesce(sm_search_norm(full_name), '')), 'B')
  ) STORED;

CREATE INDEX social_profiles_search_names_vector_idx ON social_profiles USING gin (search_names_vector);
