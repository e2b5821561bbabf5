-- 0006_follower_history: follower history that analysts can trust (issue 4). Every change of an edge
-- becomes an event (followed, unfollowed, refollowed) with its run and time; a followers run records
-- the profile's count at its start so only a COMPLETE run may turn unseen edges into unfollows; the
-- first complete run is the profile's baseline; followings are a separate edge table so the
-- direction of every edge is in its name; renames keep the old username; every profile sync writes
-- a growth snapshot. docs/history.md explains the semantics for analysts.
--
-- In every edge table `social_profile_id` is the synced profile whose list was read; the other
-- column names the account by its role: subscriptions.follower_id FOLLOWS the profile,
-- followings.followed_id IS FOLLOWED BY the profile. `followers` holds every account seen in any
-- list (its name predates followings).

-- A followers/followings run: the list's expected size when the run started (the profile's
-- followers_count / follows_count; null when unknown), what it changed, and whether it was the
-- profile's baseline (its first complete run of that kind).
ALTER TABLE job_calls
  ADD COLUMN expected_items bigint,
  -- followed + refollowed events of this run that are not baseline: the "new" accounts.
  ADD COLUMN items_gained   integer NOT NULL DEFAULT 0,
  -- unfollowed events of this run (only a complete run writes any).
  ADD COLUMN items_lost     integer NOT NULL DEFAULT 0,
  ADD COLUMN baseline       boolean NOT NULL DEFAULT false;

-- When the first complete followers / followings run of the profile ended (its baseline). Events
-- recorded before that are baseline events: first seen, not "new".
ALTER TABLE social_profiles
  ADD COLUMN followers_baseline_at  timestamptz,
  ADD COLUMN followings_baseline_at timestamptz;

-- One row per change of a "follower follows profile" edge. `followed`: first seen (sm-core's
-- first sight, not Instagram's follow time); `unfollowed`: absent from a complete run;
-- `refollowed`: seen again after an unfollow. `baseline`: recorded before the profile's first
-- complete run ended (not a new follower).
CREATE TABLE subscription_events (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  social_profile_id  bigint      NOT NULL REFERENCES social_profiles (id) ON DELETE CASCADE,
  follower_id        bigint      NOT NULL REFERENCES followers (id) ON DELETE CASCADE,
  event              text        NOT NULL CHECK (event IN ('followed', 'unfollowed', 'refollowed')),
  baseline           boolean     NOT NULL DEFAULT false,
  job_call_id        bigint      REFERENCES job_calls (id) ON DELETE SET NULL,
  occurred_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscription_events_profile_time_idx ON subscription_events (social_profile_id, occurred_at, id);
CREATE INDEX subscription_events_follower_idx ON subscription_events (follower_id);
CREATE INDEX subscription_events_job_call_idx ON subscription_events (job_call_id);

-- One edge "profile FOLLOWS account": the profile's followings list (RocketAPI get_following).
-- Same history columns as subscriptions: followed_at = first seen by sm-core.
CREATE TABLE followings (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  social_profile_id      bigint      NOT NULL REFERENCES social_profiles (id) ON DELETE CASCADE,
  followed_id            bigint      NOT NULL REFERENCES followers (id) ON DELETE CASCADE,
  active                 boolean     NOT NULL DEFAULT true,
  followed_at            timestamptz NOT NULL DEFAULT now(),
  unfollowed_at          timestamptz,
  last_seen_at           timestamptz,
  last_seen_job_call_id  bigint      REFERENCES job_calls (id) ON DELETE SET NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT followings_profile_followed_key UNIQUE (social_profile_id, followed_id)
);
CREATE INDEX followings_followed_idx ON followings (followed_id);
COMMENT ON TABLE followings IS 'Edge: social_profile_id FOLLOWS followed_id (the profile''s followings list).';
COMMENT ON TABLE subscriptions IS 'Edge: follower_id FOLLOWS social_profile_id (the profile''s followers list).';

-- Changes of "profile follows account" edges; same meaning as subscription_events.
CREATE TABLE following_events (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  social_profile_id  bigint      NOT NULL REFERENCES social_profiles (id) ON DELETE CASCADE,
  followed_id        bigint      NOT NULL REFERENCES followers (id) ON DELETE CASCADE,
  event              text        NOT NULL CHECK (event IN ('followed', 'unfollowed', 'refollowed')),
  baseline           boolean     NOT NULL DEFAULT false,
  job_call_id        bigint      REFERENCES job_calls (id) ON DELETE SET NULL,
  occurred_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX following_events_profile_time_idx ON following_events (social_profile_id, occurred_at, id);
CREATE INDEX following_events_followed_idx ON following_events (followed_id);
CREATE INDEX following_events_job_call_idx ON following_events (job_call_id);

-- Every interval during which a follower followed a profile, from the events: a re-follow keeps
-- both intervals. `ended_at` is null for the current interval.
CREATE VIEW subscription_intervals AS
SELECT social_profile_id, follower_id, started_at, started_job_call_id, baseline,
       CASE WHEN next_event = 'unfollowed' THEN next_at END AS ended_at,
       CASE WHEN next_event = 'unfollowed' THEN next_job_call_id END AS ended_job_call_id
FROM (
  SELECT e.social_profile_id, e.follower_id, e.event, e.baseline, e.occurred_at AS started_at, e.job_call_id AS started_job_call_id,
         lead(e.event) OVER w AS next_event, lead(e.occurred_at) OVER w AS next_at, lead(e.job_call_id) OVER w AS next_job_call_id
  FROM subscription_events e
  WINDOW w AS (PARTITION BY e.social_profile_id, e.follower_id ORDER BY e.occurred_at, e.id)
) x
WHERE event IN ('followed', 'refollowed');

-- The same intervals for "profile follows account" edges.
CREATE VIEW following_intervals AS
SELECT social_profile_id, followed_id, started_at, started_job_call_id, baseline,
       CASE WHEN next_event = 'unfollowed' THEN next_at END AS ended_at,
       CASE WHEN next_event = 'unfollowed' THEN next_job_call_id END AS ended_job_call_id
FROM (
  SELECT e.social_profile_id, e.followed_id, e.event, e.baseline, e.occurred_at AS started_at, e.job_call_id AS started_job_call_id,
         lead(e.event) OVER w AS next_event, lead(e.occurred_at) OVER w AS next_at, lead(e.job_call_id) OVER w AS next_job_call_id
  FROM following_events e
  WINDOW w AS (PARTITION BY e.social_profile_id, e.followed_id ORDER BY e.occurred_at, e.id)
) x
WHERE event IN ('followed', 'refollowed');

-- Usernames an account (platform, ext_id: the provider id is the identity) has left behind.
-- `seen_in`: 'profile' (a profile sync) or 'list' (a followers/followings page).
CREATE TABLE username_history (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  platform      text        NOT NULL,
  ext_id        text        NOT NULL,
  old_username  text        NOT NULL,
  new_username  text        NOT NULL,
  seen_in       text        NOT NULL CHECK (seen_in IN ('profile', 'list')),
  job_call_id   bigint      REFERENCES job_calls (id) ON DELETE SET NULL,
  detected_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX username_history_account_idx ON username_history (platform, ext_id, detected_at);
CREATE INDEX username_history_old_username_idx ON username_history (platform, lower(old_username));

-- Growth history: one row per successful profile sync. engagement_rate is a ratio (0.0123 =
-- 1.23 %) computed by the formula named in engagement_formula (src/sync/engagement.ts); a new
-- formula gets a new id and never rewrites old rows. Null when no posts were visible.
CREATE TABLE profile_snapshots (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  social_profile_id   bigint      NOT NULL REFERENCES social_profiles (id) ON DELETE CASCADE,
  job_call_id         bigint      REFERENCES job_calls (id) ON DELETE SET NULL,
  captured_at         timestamptz NOT NULL DEFAULT now(),
  followers_count     bigint,
  follows_count       bigint,
  posts_count         bigint,
  is_private          boolean     NOT NULL DEFAULT false,
  engagement_rate     numeric,
  engagement_formula  text,
  -- Posts the engagement rate was computed from (0 when none were visible).
  engagement_posts    integer     NOT NULL DEFAULT 0
);
CREATE INDEX profile_snapshots_profile_time_idx ON profile_snapshots (social_profile_id, captured_at DESC, id DESC);

-- Backfill for databases synced before this migration: each stored edge gets its 'followed' event
-- at its first-seen time (baseline: nothing before this migration counts as "new"), inactive edges
-- their 'unfollowed' event; profiles with a succeeded followers run have a baseline.
INSERT INTO subscription_events (social_profile_id, follower_id, event, baseline, job_call_id, occurred_at)
SELECT s.social_profile_id, s.follower_id, 'followed', true, NULL, s.followed_at FROM subscriptions s;
INSERT INTO subscription_events (social_profile_id, follower_id, event, baseline, job_call_id, occurred_at)
SELECT s.social_profile_id, s.follower_id, 'unfollowed', false, NULL, coalesce(s.unfollowed_at, s.updated_at)
FROM subscriptions s WHERE NOT s.active;
UPDATE social_profiles p SET followers_baseline_at = j.finished_at
FROM (SELECT subject_id, min(finished_at) AS finished_at FROM job_calls
      WHERE kind = 'followers' AND status = 'succeeded' GROUP BY subject_id) j
WHERE j.subject_id = p.id;
