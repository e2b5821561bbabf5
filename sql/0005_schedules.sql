-- 0005_schedules: which bloggers sm-core keeps in sync, and how often (issue 6). `run-schedule`
-- (cron, a Kubernetes CronJob or `worker --schedule`) enqueues every due entry once: it claims due
-- rows with FOR UPDATE SKIP LOCKED and a short lease (claimed_until), so overlapping invocations
-- never enqueue one entry twice, and a claimer that dies mid-way frees its rows when the lease ends.

CREATE TABLE sync_schedules (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  platform          text        NOT NULL DEFAULT 'instagram',
  -- Who: a username (as typed, matched case-insensitively) and/or the provider's id (a string).
  username          text,
  ext_id            text,
  -- Identity of the entry: the provider id when given, else the lowercased username. One entry per
  -- (platform, target), so `schedule import` of the same list twice changes nothing.
  target            text        GENERATED ALWAYS AS (
                      CASE WHEN ext_id IS NOT NULL THEN 'id:' || ext_id ELSE 'username:' || lower(username) END
                    ) STORED,
  -- What to sync: a non-empty subset of profile, followers, followings.
  kinds             text[]      NOT NULL DEFAULT ARRAY['profile']::text[],
  -- When: exactly one of an interval (seconds, from `--every 24h`) or a cron expression (in timezone).
  every_seconds     integer     CHECK (every_seconds IS NULL OR every_seconds >= 60),
  cron              text,
  timezone          text        NOT NULL DEFAULT 'UTC',
  enabled           boolean     NOT NULL DEFAULT true,
  -- Higher first when many entries are due at once.
  priority          integer     NOT NULL DEFAULT 0,
  next_run_at       timestamptz NOT NULL DEFAULT now(),
  last_enqueued_at  timestamptz,
  -- The job_calls ids the last enqueue started or attached to.
  last_run_ids      text[],
  -- Lease of a run-schedule invocation that claimed the entry and is enqueueing it.
  claimed_until     timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sync_schedules_who_check CHECK (username IS NOT NULL OR ext_id IS NOT NULL),
  CONSTRAINT sync_schedules_when_check CHECK ((every_seconds IS NULL) <> (cron IS NULL)),
  CONSTRAINT sync_schedules_kinds_check CHECK (
    cardinality(kinds) > 0 AND kinds <@ ARRAY['profile', 'followers', 'followings']::text[]
  ),
  CONSTRAINT sync_schedules_platform_target_key UNIQUE (platform, target)
);

-- run-schedule's probe: due, enabled entries in claim order.
CREATE INDEX sync_schedules_due_idx ON sync_schedules (next_run_at, priority DESC) WHERE enabled;
