-- Overlap benchmark data (bench/overlap.bench.ts): $1 profiles, each followed by $2 accounts; profile
-- k (1-based) is followed by the accounts (k-1)*$2*(1-$3) + 1 ... + $2, so neighbours share a
-- fraction $3 of their followers. Every id is generated with generate_series: no provider involved.
WITH p AS (
  INSERT INTO social_profiles (platform, ext_id, username, followers_count)
  SELECT 'instagram', (8000000000 + k)::text, 'overlap.bench.' || k, $2::bigint FROM generate_series(1, $1::int) AS k
  RETURNING id, (ext_id::bigint - 8000000000)::int AS k
), a AS (
  INSERT INTO followers (platform, ext_id, username, is_private, is_verified, raw_data)
  SELECT 'instagram', (7000000000 + i)::text, 'fan' || i, i % 5 = 0, i % 97 = 0,
         jsonb_build_object('has_anonymous_profile_picture', i % 10 = 0)
  FROM generate_series(1, (($1::int - 1) * $2::bigint * (1 - $3::numeric) + $2::bigint)::bigint) AS i
  RETURNING id, (ext_id::bigint - 7000000000) AS i
)
INSERT INTO subscriptions (social_profile_id, follower_id, followed_at, last_seen_at)
SELECT p.id, a.id, now() - interval '30 days', now()
FROM p JOIN a ON a.i > ((p.k - 1) * $2::bigint * (1 - $3::numeric))::bigint
             AND a.i <= ((p.k - 1) * $2::bigint * (1 - $3::numeric))::bigint + $2::bigint;
