-- 0011_data_truth: what the completeness gate and the run ledger need to stay true (issue 13).
-- 1. A list run may mark unfollows only when its expected count is fresh (read in the profile run
--    that started it, or at most SM_COUNT_MAX_AGE_MINUTES before it was created): the time each
--    count was read is kept on the profile, and copied onto the run with the count.
-- 2. Minor fields of a provider record that arrive with another type (is_private: 0, full_name: 12345)
--    are coerced instead of quarantining the record; each run counts its coercions.

ALTER TABLE social_profiles
  -- When followers_count / follows_count were last read from a provider (a profile sync whose payload
  -- carried the count); null when never. last_synced_at alone is not enough: a payload without a
  -- count keeps the stored one.
  ADD COLUMN followers_count_at timestamptz,
  ADD COLUMN follows_count_at   timestamptz;

UPDATE social_profiles SET followers_count_at = last_synced_at WHERE followers_count IS NOT NULL;
UPDATE social_profiles SET follows_count_at = last_synced_at WHERE follows_count IS NOT NULL;

ALTER TABLE job_calls
  -- A list run: when its expected_items was read from the provider (the profile's *_count_at at the
  -- run's creation); null when unknown.
  ADD COLUMN expected_items_at timestamptz,
  -- Minor record fields coerced to their type by this run (src/providers/records.ts).
  ADD COLUMN coerced           integer NOT NULL DEFAULT 0;

-- Runs in progress at the upgrade keep judging against the count they started with, dated by the
-- profile's last sync (the best record of when that count was read).
UPDATE job_calls j SET expected_items_at = p.last_synced_at
FROM social_profiles p
WHERE p.id = j.subject_id AND j.kind IN ('followers', 'followings') AND j.status IN ('pending', 'running')
  AND j.expected_items IS NOT NULL;
