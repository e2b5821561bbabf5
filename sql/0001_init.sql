-- 0001_init: the initial schema. Profiles (bloggers), their followers, the follow edges
-- (subscriptions), and the run ledger (job_calls = one row per run, service_calls = one row per
-- provider request). Every account entity carries platform + ext_id so other platforms fit later.
-- timestamptz everywhere. pg-boss owns schema "pgboss"; nothing here touches it.

CREATE TABLE social_profiles (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  platform         text        NOT NULL DEFAULT 'instagram',
  ext_id           text        NOT NULL,
  username         text        NOT NULL,
  full_name        text,
  bio              text,
  avatar           text,
  url              text,
  followers_count  bigint,
  follows_count    bigint,
  posts_count      bigint      NOT NULL DEFAULT 0,
  engagement_rate  numeric(12, 6),
  is_private       boolean     NOT NULL DEFAULT false,
  is_verified      boolean     NOT NULL DEFAULT false,
  last_synced_at   timestamptz,
  raw_data         jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT social_profiles_platform_ext_id_key UNIQUE (platform, ext_id)
);
CREATE INDEX social_profiles_platform_username_idx ON social_profiles (platform, lower(username));

CREATE TABLE followers (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  platform     text        NOT NULL DEFAULT 'instagram',
  ext_id       text        NOT NULL,
  username     text        NOT NULL,
  full_name    text,
  avatar       text,
  is_private   boolean     NOT NULL DEFAULT false,
  is_verified  boolean     NOT NULL DEFAULT false,
  raw_data     jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT followers_platform_ext_id_key UNIQUE (platform, ext_id)
);

-- A subscription is one edge: follower_id follows social_profile_id.
CREATE TABLE subscriptions (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  social_profile_id  bigint      NOT NULL REFERENCES social_profiles (id) ON DELETE CASCADE,
  follower_id        bigint      NOT NULL REFERENCES followers (id) ON DELETE CASCADE,
  active             boolean     NOT NULL DEFAULT true,
  followed_at        timestamptz NOT NULL DEFAULT now(),
  unfollowed_at      timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT subscriptions_profile_follower_key UNIQUE (social_profile_id, follower_id)
);
CREATE INDEX subscriptions_follower_idx ON subscriptions (follower_id);

-- One row per run (a profile sync, a followers sync...).
CREATE TABLE job_calls (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subject_id     bigint      REFERENCES social_profiles (id) ON DELETE SET NULL,
  kind           text        NOT NULL CHECK (kind IN ('profile', 'followers', 'followings')),
  status         text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'partial')),
  params         jsonb       NOT NULL DEFAULT '{}'::jsonb,
  summary        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  error_message  text,
  started_at     timestamptz,
  finished_at    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_calls_subject_kind_idx ON job_calls (subject_id, kind, created_at DESC);
CREATE INDEX job_calls_status_idx ON job_calls (status) WHERE status IN ('pending', 'running');

-- One row per provider request inside a run; pages chain through parent_service_call_id.
CREATE TABLE service_calls (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_call_id             bigint      NOT NULL REFERENCES job_calls (id) ON DELETE CASCADE,
  parent_service_call_id  bigint      REFERENCES service_calls (id) ON DELETE SET NULL,
  kind                    text        NOT NULL,
  status                  text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'partial')),
  -- {provider, sent, received}: the cursor sent with the request and the one the response gave.
  cursor                  jsonb       NOT NULL DEFAULT '{}'::jsonb,
  -- {items, new_items, http_status, latency_ms, ...}
  result_summary          jsonb       NOT NULL DEFAULT '{}'::jsonb,
  error_message           text,
  -- The pg-boss job that made this call; a redelivered job finds its committed page here.
  queue_job_id            text,
  started_at              timestamptz,
  finished_at             timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX service_calls_job_call_idx ON service_calls (job_call_id, id);
CREATE UNIQUE INDEX service_calls_queue_job_key ON service_calls (queue_job_id) WHERE queue_job_id IS NOT NULL AND status = 'succeeded';
