-- 0003_sync_runs: run state for page-per-job syncs (issue 2) and the first pieces of follower
-- history (issue 4). A followers run keeps its progress on its job_calls row (last committed cursor,
-- pages, followers seen, loop-guard streaks) so a redelivered or deferred page job continues from
-- there; at most ONE active (pending/running) run exists per (subject, kind) (single flight).

ALTER TABLE job_calls
  -- The run that started this one (sync-profile --followers chains a followers run).
  ADD COLUMN parent_job_call_id bigint REFERENCES job_calls (id) ON DELETE SET NULL,
  -- Provider that issued `cursor` (a cursor is only ever sent back to its own provider).
  ADD COLUMN provider      text,
  -- Last committed cursor: what the next page request sends (null before page 1 and at the end).
  ADD COLUMN cursor        text,
  -- Provider requests that succeeded as pages / were made at all (failed attempts included).
  ADD COLUMN pages         integer NOT NULL DEFAULT 0,
  ADD COLUMN requests      integer NOT NULL DEFAULT 0,
  -- Distinct accounts seen in this run / edges that did not exist before this run.
  ADD COLUMN items_seen    integer NOT NULL DEFAULT 0,
  ADD COLUMN items_new     integer NOT NULL DEFAULT 0,
  -- Records set aside by validation / strings cleaned of NUL or lone surrogates (CASES.md C01).
  ADD COLUMN quarantined   integer NOT NULL DEFAULT 0,
  ADD COLUMN sanitized     integer NOT NULL DEFAULT 0,
  -- Loop guards (CASES.md C05, C07): consecutive pages with no new ids / with no users.
  ADD COLUMN stall_streak  integer NOT NULL DEFAULT 0,
  ADD COLUMN empty_streak  integer NOT NULL DEFAULT 0,
  -- Why the run ended (complete, stalled, cursor_loop, empty_pages, missing_cursor, limited,
  -- max_pages, private, not_found, rate_limited, quota_exhausted, unauthorized, transient,
  -- invalid_response, abandoned, error); null while it runs.
  ADD COLUMN outcome       text,
  -- The pg-boss job that currently advances the run (the pending page job).
  ADD COLUMN queue_job_id  text,
  -- Set while the next page waits out a provider rate limit.
  ADD COLUMN deferred_until timestamptz;

-- Single flight: one active run per (profile, kind). A profile run looked up by a username not yet
-- stored has no subject; it is unique by its lookup key instead (params->>'lookup').
CREATE UNIQUE INDEX job_calls_one_active_per_subject ON job_calls (subject_id, kind)
  WHERE status IN ('pending', 'running') AND subject_id IS NOT NULL;
CREATE UNIQUE INDEX job_calls_one_active_per_lookup ON job_calls (kind, (params ->> 'lookup'))
  WHERE status IN ('pending', 'running') AND subject_id IS NULL;
CREATE INDEX job_calls_parent_idx ON job_calls (parent_job_call_id) WHERE parent_job_call_id IS NOT NULL;

-- Loop guard: "is this cursor already seen in this run?" is one index probe.
CREATE INDEX service_calls_run_cursor_idx ON service_calls (job_call_id, (cursor ->> 'received'));
CREATE INDEX service_calls_queue_job_idx ON service_calls (queue_job_id) WHERE queue_job_id IS NOT NULL;

-- A profile the provider says does not exist (any more).
ALTER TABLE social_profiles ADD COLUMN not_found_at timestamptz;

-- First-seen / last-seen of an edge: followed_at stays the first time sm-core saw it.
ALTER TABLE subscriptions
  ADD COLUMN last_seen_at timestamptz,
  ADD COLUMN last_seen_job_call_id bigint REFERENCES job_calls (id) ON DELETE SET NULL;

-- Records that failed validation: kept with their raw payload and the reason, never dropped.
CREATE TABLE quarantined_records (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_call_id      bigint      REFERENCES job_calls (id) ON DELETE CASCADE,
  service_call_id  bigint      REFERENCES service_calls (id) ON DELETE SET NULL,
  kind             text        NOT NULL,
  reason           text        NOT NULL,
  raw_data         jsonb,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quarantined_records_job_call_idx ON quarantined_records (job_call_id);
