-- 0002_search: full-text + trigram search over bloggers (issue 5). Adds pg_trgm and unaccent, an
-- IMMUTABLE accent-folding wrapper (unaccent() itself is STABLE, so it cannot be indexed), one
-- normalisation function shared by documents and queries, two stored generated columns on
-- social_profiles and their GIN indexes. The query side lives in src/db/queries/search.ts.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- sm_unaccent(text): unaccent with its dictionary named explicitly and schema-qualified, so the
-- result does not depend on search_path; that is what makes declaring it IMMUTABLE honest. The
-- extension may already live in another schema (IF NOT EXISTS above kept it there): look it up.
DO $$
DECLARE
  ext_schema text := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent');
BEGIN
  EXECUTE format(
    'CREATE FUNCTION sm_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT '
    'RETURN %1$I.unaccent(%2$L::regdictionary, $1)',
    ext_schema, quote_ident(ext_schema) || '.unaccent');
END
$$;

-- sm_search_norm(text): accents folded, lower case, every run of punctuation or white space turned
-- into one space, letters and digits split apart. `Zoë` -> `zoe`, `anna.k_92` -> `anna k 92`,
-- `l'atelier` -> `l atelier`, `anna1992` -> `anna 1992`. Documents and query text go through this
-- same function, so both sides always agree on what a word is.
CREATE FUNCTION sm_search_norm(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN btrim(regexp_replace(regexp_replace(
  lower(regexp_replace(sm_unaccent($1), '[[:punct:][:space:]]+', ' ', 'g')),
  '([[:alpha:]])([[:digit:]])', '\1 \2', 'g'),
  '([[:digit:]])([[:alpha:]])', '\1 \2', 'g'));

-- search_vector: the ranked full-text document. Weight A = the handle's parts, B = full name,
-- C = bio. The 'simple' configuration: names are not English words (no stemming, no stop words).
-- search_names: handle parts, the handle without separators (`anna.k_92` -> `annak92`) and the
-- full name, for trigram typo tolerance (`bloger` -> `blogger`, `annaolson` -> `anna_olsson`).
ALTER TABLE social_profiles
  ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', sm_search_norm(username)), 'A')
    || setweight(to_tsvector('simple', coalesce(sm_search_norm(full_name), '')), 'B')
    || setweight(to_tsvector('simple', coalesce(sm_search_norm(bio), '')), 'C')
  ) STORED,
  ADD COLUMN search_names text GENERATED ALWAYS AS (
    sm_search_norm(username) || ' ' || translate(lower(username), '._', '') || coalesce(' ' || sm_search_norm(full_name), '')
  ) STORED,
  -- search_head: the handle's first word (`anna.k_92` -> `anna`), byte-ordered, so a broad one-word
  -- prefix (`ann` on millions of rows) reads a bounded btree range instead of every posting list.
  ADD COLUMN search_head text COLLATE "C" GENERATED ALWAYS AS (split_part(sm_search_norm(username), ' ', 1)) STORED;

CREATE INDEX social_profiles_search_vector_idx ON social_profiles USING gin (search_vector);
CREATE INDEX social_profiles_search_names_trgm_idx ON social_profiles USING gin (search_names gin_trgm_ops);
CREATE INDEX social_profiles_search_head_idx ON social_profiles (search_head, id);
-- Exact handle lookups without a platform (0001's index leads with platform).
CREATE INDEX social_profiles_lower_username_idx ON social_profiles (lower(username));
