-- 0008_provider_pace: per-second pacing that holds at the provider, and the provider's own wait
-- windows shared by every process (issue 3 §7, CASES.md C08).
--
-- Why: 0004 counted requests per calendar second of the database. Measured at a provider with two
-- worker processes at SM_ROCKET_MAX_RPS=10, that let 14-17 requests into one clock second and up to
-- 21 into a sliding second: a full second's quota at the end of one second plus the next one's at its
-- start, and reservations made at x.999 but sent in the next second. Pacing gives each request a
-- start time at least 1/rps after the previous one, for all processes together (GCRA), so no
-- one-second window at the provider holds more than the limit. `second` rows of provider_usage are no
-- longer written; `day` and `month` rows stay the budgets and the usage history.

-- Per-second counters of 0004 are no longer used.
DELETE FROM provider_usage WHERE period = 'second';

CREATE TABLE provider_pace (
  provider        text        PRIMARY KEY,
  -- Earliest start of the next request (each grant moves it one interval on).
  next_at         timestamptz NOT NULL,
  -- The provider asked every caller to wait (a 429 with a long Retry-After, quota used up).
  blocked_until   timestamptz,
  blocked_kind    text        CHECK (blocked_kind IN ('rate_limited', 'quota_exhausted')),
  blocked_reason  text,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One request slot, granted or refused in ONE statement. Row locks on the counters serialise
-- concurrent callers in every process: no lost updates, no grant over a limit. Order: block ->
-- month budget -> day budget -> pace; a later refusal gives back what earlier steps counted; locks
-- are always taken in that order (no deadlocks).
--   p_interval_ms   minimum spacing of request starts (ms); 0 = no pacing
--   p_max_wait_ms   longest wait for a granted slot; a later one is refused (period 'second')
--   p_day_budget, p_month_budget   requests per UTC day / month; 0 = no budget
--   p_count         false = pace only (a new slot for a request already counted that missed its slot)
-- Returns: granted; what refused (refused_by: 'block', 'second', 'day', 'month') and its limit; the
-- seconds until a refused request may be tried; the granted slot start and the database clock at
-- return, both epoch ms (callers map the slot to their own clock with them).
CREATE FUNCTION sm_reserve_request(
  p_provider text,
  p_interval_ms double precision,
  p_max_wait_ms integer,
  p_day_budget integer,
  p_month_budget integer,
  p_count boolean DEFAULT true
) RETURNS TABLE (granted boolean, refused_by text, lim integer, reason text, retry_after_s integer, slot_ms double precision, db_now_ms double precision)
LANGUAGE plpgsql AS $$
DECLARE
  v_now      timestamptz := clock_timestamp();
  v_day      timestamptz := date_trunc('day', v_now, 'UTC');
  v_month    timestamptz := date_trunc('month', v_now, 'UTC');
  v_interval interval := p_interval_ms * interval '1 millisecond';
  v_n        integer;
  v_blocked  timestamptz;
  v_bkind    text;
  v_breason  text;
  v_slot     timestamptz;
BEGIN
  SELECT p.blocked_until, p.blocked_kind, p.blocked_reason INTO v_blocked, v_bkind, v_breason
    FROM provider_pace p WHERE p.provider = p_provider;
  IF v_blocked > v_now THEN
    RETURN QUERY SELECT false, 'block', 0, coalesce(v_bkind, 'rate_limited') || ': ' || coalesce(v_breason, ''),
      ceil(extract(epoch FROM v_blocked - v_now))::integer, NULL::double precision, extract(epoch FROM clock_timestamp())::double precision * 1000;
    RETURN;
  END IF;

  IF p_count THEN
    INSERT INTO provider_usage AS u (provider, period, period_start, requests) VALUES (p_provider, 'month', v_month, 1)
      ON CONFLICT (provider, period, period_start)
      DO UPDATE SET requests = u.requests + 1, updated_at = v_now WHERE p_month_budget = 0 OR u.requests < p_month_budget
      RETURNING u.requests INTO v_n;
    IF v_n IS NULL THEN
      RETURN QUERY SELECT false, 'month', p_month_budget, NULL::text,
        ceil(extract(epoch FROM ((v_month AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC' - v_now))::integer,
        NULL::double precision, extract(epoch FROM clock_timestamp())::double precision * 1000;
      RETURN;
    END IF;
    v_n := NULL;
    INSERT INTO provider_usage AS u (provider, period, period_start, requests) VALUES (p_provider, 'day', v_day, 1)
      ON CONFLICT (provider, period, period_start)
      DO UPDATE SET requests = u.requests + 1, updated_at = v_now WHERE p_day_budget = 0 OR u.requests < p_day_budget
      RETURNING u.requests INTO v_n;
    IF v_n IS NULL THEN
      UPDATE provider_usage SET requests = requests - 1 WHERE provider = p_provider AND period = 'month' AND period_start = v_month;
      RETURN QUERY SELECT false, 'day', p_day_budget, NULL::text,
        ceil(extract(epoch FROM ((v_day AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC' - v_now))::integer,
        NULL::double precision, extract(epoch FROM clock_timestamp())::double precision * 1000;
      RETURN;
    END IF;
  END IF;

  IF p_interval_ms > 0 THEN
    INSERT INTO provider_pace AS p (provider, next_at) VALUES (p_provider, v_now + v_interval)
      ON CONFLICT (provider)
      DO UPDATE SET next_at = greatest(p.next_at, v_now) + v_interval, updated_at = v_now
        WHERE greatest(p.next_at, v_now) <= v_now + p_max_wait_ms * interval '1 millisecond'
      RETURNING p.next_at - v_interval INTO v_slot;
    IF v_slot IS NULL THEN
      UPDATE provider_usage SET requests = requests - 1
        WHERE p_count AND provider = p_provider
          AND ((period = 'day' AND period_start = v_day) OR (period = 'month' AND period_start = v_month));
      RETURN QUERY SELECT false, 'second', 0, NULL::text,
        greatest(1, ceil(extract(epoch FROM (SELECT p.next_at FROM provider_pace p WHERE p.provider = p_provider) - v_now)))::integer,
        NULL::double precision, extract(epoch FROM clock_timestamp())::double precision * 1000;
      RETURN;
    END IF;
  ELSE
    v_slot := v_now;
  END IF;

  RETURN QUERY SELECT true, NULL::text, NULL::integer, NULL::text, NULL::integer,
    extract(epoch FROM v_slot)::double precision * 1000, extract(epoch FROM clock_timestamp())::double precision * 1000;
END
$$;
