-- 0004_provider_ledger: the cost ledger on every provider request (issue 3 §8) and the request
-- counters that make rate limits and budgets hold across processes (issue 3 §7).

-- Ledger columns of one provider request (src/providers/types.ts CallInfo). Filled by the sync layer
-- from CallResult.call / ProviderError.call; null on rows written before this migration.
ALTER TABLE service_calls
  -- Provider that answered (or failed): rocket, scraper.
  ADD COLUMN provider      text,
  -- Endpoint path, e.g. instagram/user/get_followers, v1/followers.
  ADD COLUMN endpoint      text,
  -- Outer HTTP status of the last attempt (null when no answer arrived: timeout, refused).
  ADD COLUMN http_status   integer,
  -- Wall time of the whole call including retries and waits (ms).
  ADD COLUMN latency_ms    integer,
  -- HTTP attempts made for this request (retries in place included; 0 = refused before sending).
  ADD COLUMN attempt       integer,
  -- Billable request units spent (one per HTTP request sent).
  ADD COLUMN request_units integer NOT NULL DEFAULT 0;

-- `sm-core runs` / `sm-core usage`: requests per provider per day.
CREATE INDEX service_calls_provider_started_idx ON service_calls (provider, started_at) WHERE provider IS NOT NULL;

-- Requests reserved per provider per period, shared by every process on this database
-- (src/db/queries/provider-usage.ts). `second` rows enforce SM_<P>_MAX_RPS and are pruned after a
-- minute; `day` and `month` rows (UTC) enforce the budgets and are the usage history.
CREATE TABLE provider_usage (
  provider      text        NOT NULL,
  period        text        NOT NULL CHECK (period IN ('second', 'day', 'month')),
  period_start  timestamptz NOT NULL,
  requests      integer     NOT NULL DEFAULT 0,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, period, period_start)
);
