-- 0013_alerts: audience analytics and change alerts (issue 16).
--
-- Overlap (`sm-core overlap`, docs/analytics.md): the shared followers of two profiles are counted
-- by a merge join of their ACTIVE edges in follower order. This partial index holds exactly those
-- edges, so the join reads two index ranges (index-only, no heap) instead of both lists' rows:
-- 2 x 1,000,000 followers in well under 2 s (bench/overlap.bench.ts). Cost: one more index kept up
-- to date on subscription writes (an edge turning inactive leaves it); built once here, holding a
-- write lock on subscriptions while it builds.
CREATE INDEX subscriptions_active_profile_follower_idx ON subscriptions (social_profile_id, follower_id) WHERE active;

-- Change alerts (issue 16 §4). When a run ends, sm-core may owe a webhook
-- (SM_WEBHOOK_URL) one JSON POST per event: new/lost followers of a complete run, a growth anomaly,
-- a failed run, a private or not-found profile. Each owed POST is one alert_deliveries row, written
-- with its pg-boss `alerts` job; every POST attempt is one alert_attempts row, so `sm-core alerts list`
-- shows what was sent, when, and what the receiver answered. A delivery that used up its attempts is
-- the dead letter (status 'dead'), kept with its payload.
--
-- The URL itself is never stored (a webhook URL often carries a token in its path): the delivery
-- reads it from the configuration when it sends; `target_host` is for people only.

CREATE TABLE alert_deliveries (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The run whose end raised the event and its profile (kept when either is deleted: history).
  job_call_id        bigint      REFERENCES job_calls (id) ON DELETE SET NULL,
  social_profile_id  bigint      REFERENCES social_profiles (id) ON DELETE SET NULL,
  -- followers.changed, growth.anomaly, run.failed, run.private, run.not_found (src/sync/alerts.ts).
  event              text        NOT NULL,
  -- Host of the URL at the time the alert was queued (display only).
  target_host        text        NOT NULL,
  -- The exact JSON body that is POSTed (and signed): no secret is ever put in it.
  payload            jsonb       NOT NULL,
  status             text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts           integer     NOT NULL DEFAULT 0,
  max_attempts       integer     NOT NULL,
  last_http_status   integer,
  last_error         text,
  queue_job_id       text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  last_attempt_at    timestamptz,
  delivered_at       timestamptz
);
-- A run's end is reported once, but a retried handler may report it again: one alert per run and event.
CREATE UNIQUE INDEX alert_deliveries_run_event_key ON alert_deliveries (job_call_id, event) WHERE job_call_id IS NOT NULL;
CREATE INDEX alert_deliveries_created_idx ON alert_deliveries (created_at DESC, id DESC);
CREATE INDEX alert_deliveries_open_idx ON alert_deliveries (status) WHERE status <> 'delivered';

-- One POST attempt of a delivery: the receiver's HTTP status, or the transport error.
CREATE TABLE alert_attempts (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_delivery_id  bigint      NOT NULL REFERENCES alert_deliveries (id) ON DELETE CASCADE,
  attempt            integer     NOT NULL,
  http_status        integer,
  error              text,
  latency_ms         integer,
  attempted_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_attempts_delivery_idx ON alert_attempts (alert_delivery_id, attempt);
