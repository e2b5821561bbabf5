-- 0009_list_restarts: a list run whose cursor's provider stayed unavailable past
-- SM_CURSOR_PROVIDER_WAIT_SECONDS starts its list again from page 1 on the next provider in
-- SM_PROVIDER_PRIORITY (issue 3 §3; docs/providers.md "When the cursor's provider stays down").
-- The run stays the same run: the accounts it saw before the restart still count as seen for the
-- completeness gate; its loop guards start over with the new pass.

ALTER TABLE job_calls
  -- How many times this run restarted its list on another provider.
  ADD COLUMN list_restarts     integer NOT NULL DEFAULT 0,
  -- When the current pass began (null when the run never restarted): pages and cursors before it
  -- belong to the abandoned pass and do not count for the loop guards (CASES.md C05, C07).
  ADD COLUMN list_restarted_at timestamptz;
