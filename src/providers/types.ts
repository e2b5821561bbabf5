// Provider contract: every data provider (RocketAPI, RapidAPI scraper, replay) returns these records.
// Records are normalised and sanitised (strings cleaned of NUL and lone surrogates, ids as strings).

/** Platform of every account entity; only Instagram today. */
export type Platform = 'instagram';

/** A recent post as seen in a profile payload, for the engagement rate. Counts are integers. */
export interface PostStats {
  extId: string;
  likes: number;
  comments: number;
  /** Unix seconds, when the provider gave it. */
  takenAt: number | null;
}

/** A profile (the "blogger"), normalised from a provider's profile payload. */
export interface ProfileRecord {
  platform: Platform;
  /** Instagram's user id (pk) as a decimal string; never a JS number (ids exceed 2^53). */
  extId: string;
  username: string;
  fullName: string | null;
  bio: string | null;
  /** Profile picture URL (signed, expires: not a change signal). */
  avatar: string | null;
  /** External link from the bio. */
  url: string | null;
  /** null when the payload did not carry the count. */
  followersCount: number | null;
  followsCount: number | null;
  postsCount: number | null;
  isPrivate: boolean;
  isVerified: boolean;
  /** Up to the 12 latest posts visible in the payload (empty for private profiles). */
  recentPosts: PostStats[];
  /** The provider's raw user object, sanitised (safe for jsonb). */
  raw: unknown;
}

/** One account in a followers (or followings) list. */
export interface FollowerRecord {
  platform: Platform;
  extId: string;
  username: string;
  fullName: string | null;
  avatar: string | null;
  isPrivate: boolean;
  isVerified: boolean;
  /** The provider's raw user object, sanitised (safe for jsonb). */
  raw: unknown;
}

/** A list item that failed validation: kept with its raw payload and the reason, never dropped silently. */
export interface QuarantinedRecord {
  raw: unknown;
  reason: string;
}

/** A provider call that failed before another provider served the request (fallback), for the ledger. */
export interface FailedCall extends CallInfo {
  /** Error kind from the taxonomy (src/errors.ts ProviderErrorKind). */
  kind: string;
  /** The error's one-line message (no secrets). */
  message: string;
}

/** Facts about one provider request, for the service_calls ledger. */
export interface CallInfo {
  provider: string;
  /** Endpoint path, e.g. `instagram/user/get_followers`. */
  endpoint: string;
  /** HTTP status of the last attempt (the outer status; RocketAPI's inner status is in `innerStatus`). */
  httpStatus: number | null;
  innerStatus?: number | null;
  /** Wall time of the whole call including retries (ms). */
  latencyMs: number;
  /** Number of HTTP attempts made (1 when the first succeeded; 0 when a cooldown refused to send). */
  attempts: number;
  /**
   * Billable request units spent on this call: one per HTTP request sent (RocketAPI and RapidAPI
   * bill per request; failed attempts counted, as the provider may bill them). Set by the retry layer.
   */
  requestUnits?: number;
  /** Earlier providers that failed over to this one (fallback order), when any. */
  failedOver?: FailedCall[];
}

/** A successful call's data plus its ledger facts. */
export interface CallResult<T> {
  data: T;
  call: CallInfo;
}

/** One page of a followers list. */
export interface FollowersPage {
  users: FollowerRecord[];
  quarantined: QuarantinedRecord[];
  /** Cursor for the next page (opaque text); null when the provider gave none. */
  nextCursor: string | null;
  /** The provider's own "more pages" flag, when it has one (RocketAPI `has_more`/`big_list`). */
  hasMore: boolean | null;
  /** Instagram cut the list short (`should_limit_list_of_followers`). */
  limited: boolean;
  /** Count of strings cleaned of NUL or lone surrogates on this page (CASES.md C01). */
  sanitized: number;
  /**
   * Minor fields coerced to their type on this page (`is_private: 0` -> false, `full_name: 12345` ->
   * "12345"; src/providers/records.ts). Absent = 0.
   */
  coerced?: number;
}

/** How to look a profile up. */
export type ProfileQuery = { username: string } | { id: string };

/** Profile lookup result. */
export interface ProfileResult {
  profile: ProfileRecord;
  sanitized: number;
  /** Minor fields coerced to their type (see FollowersPage.coerced). Absent = 0. */
  coerced?: number;
}

/**
 * A data provider. Implementations throw `ProviderError` (src/errors.ts) with a kind from the
 * taxonomy; they never throw raw fetch errors, and never include the API key in messages.
 */
export interface Provider {
  /** Short stable name used in cursors, ledgers and config (`rocket`, `scraper`, `replay`). */
  readonly name: string;
  /** One request. @throws ProviderError (not_found for unknown users) */
  getProfile(query: ProfileQuery, signal?: AbortSignal): Promise<CallResult<ProfileResult>>;
  /**
   * One page of the accounts following `extId`.
   * @param cursor null for page 1, else the `nextCursor` this same provider returned
   * @param pageSize requested users per page (RocketAPI caps at 50)
   * @throws ProviderError (private for private targets)
   */
  getFollowersPage(extId: string, cursor: string | null, pageSize: number, signal?: AbortSignal): Promise<CallResult<FollowersPage>>;
  /** One page of the accounts `extId` follows. Same contract as getFollowersPage. */
  getFollowingsPage?(extId: string, cursor: string | null, pageSize: number, signal?: AbortSignal): Promise<CallResult<FollowersPage>>;
}
