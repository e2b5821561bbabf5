// An in-memory Provider for sync tests: profiles by username/id, followers pages scripted per call.
import type {
  CallResult,
  FollowerRecord,
  FollowersPage,
  ProfileQuery,
  ProfileRecord,
  ProfileResult,
  Provider,
} from '../../src/providers/types.ts';
import type { ProviderSet } from '../../src/sync/deps.ts';

/** A follower record with defaults. */
export function follower(extId: string, username = `user.${extId}`, extra: Partial<FollowerRecord> = {}): FollowerRecord {
  return {
    platform: 'instagram',
    extId,
    username,
    fullName: null,
    avatar: null,
    isPrivate: false,
    isVerified: false,
    raw: { pk: extId, username },
    ...extra,
  };
}

/** A profile record with defaults. */
export function profile(extId: string, username: string, extra: Partial<ProfileRecord> = {}): ProfileRecord {
  return {
    platform: 'instagram',
    extId,
    username,
    fullName: 'Test Profile',
    bio: null,
    avatar: null,
    url: null,
    followersCount: 100,
    followsCount: 10,
    postsCount: 5,
    isPrivate: false,
    isVerified: false,
    recentPosts: [],
    raw: { id: extId, username },
    ...extra,
  };
}

/** A followers page with defaults (no cursor = last page). */
export function page(users: FollowerRecord[], nextCursor: string | null = null, extra: Partial<FollowersPage> = {}): FollowersPage {
  return { users, quarantined: [], nextCursor, hasMore: null, limited: false, sanitized: 0, ...extra };
}

/** One recorded followers request. */
export interface FollowersCall {
  extId: string;
  cursor: string | null;
  pageSize: number;
}

/** What a scripted followers step returns: a page, or an error to throw. */
export type FollowersStep = FollowersPage | Error | ((call: FollowersCall) => FollowersPage | Promise<FollowersPage>);

/** The fake, with its scripts and request log. */
export interface FakeProvider extends Provider {
  profiles: Map<string, ProfileRecord | Error>;
  /** Followers answers, consumed one per request in order; when empty, `defaultFollowers` answers. */
  followersScript: FollowersStep[];
  defaultFollowers: FollowersStep;
  profileCalls: ProfileQuery[];
  followersCalls: FollowersCall[];
  /** Followings answers (the accounts a profile follows), consumed like `followersScript`; then an empty last page. */
  followingsScript: FollowersStep[];
  followingsCalls: FollowersCall[];
  /** A ProviderSet with this provider as primary. */
  asSet(): ProviderSet;
}

function key(q: ProfileQuery): string {
  return 'id' in q ? `id:${q.id}` : `username:${q.username.toLowerCase()}`;
}

function call<T>(name: string, endpoint: string, data: T): CallResult<T> {
  return { data, call: { provider: name, endpoint, httpStatus: 200, latencyMs: 1, attempts: 1 } };
}

/** Creates a fake provider named `name`. Register profiles with `addProfile`. */
export function createFakeProvider(name = 'fake'): FakeProvider & { addProfile(p: ProfileRecord): void } {
  const fake: FakeProvider & { addProfile(p: ProfileRecord): void } = {
    name,
    profiles: new Map(),
    followersScript: [],
    defaultFollowers: page([]),
    profileCalls: [],
    followersCalls: [],
    followingsScript: [],
    followingsCalls: [],
    addProfile(p) {
      fake.profiles.set(`username:${p.username.toLowerCase()}`, p);
      fake.profiles.set(`id:${p.extId}`, p);
    },
    async getProfile(query) {
      fake.profileCalls.push(query);
      const found = fake.profiles.get(key(query));
      if (found instanceof Error) throw found;
      if (!found) throw new Error(`fake provider: no profile scripted for ${key(query)}`);
      return call<ProfileResult>(name, 'instagram/user/get_info', { profile: found, sanitized: 0 });
    },
    async getFollowersPage(extId, cursor, pageSize) {
      const c: FollowersCall = { extId, cursor, pageSize };
      fake.followersCalls.push(c);
      const step = fake.followersScript.length ? fake.followersScript.shift()! : fake.defaultFollowers;
      if (step instanceof Error) throw step;
      const data = typeof step === 'function' ? await step(c) : step;
      return call(name, 'instagram/user/get_followers', data);
    },
    async getFollowingsPage(extId, cursor, pageSize) {
      const c: FollowersCall = { extId, cursor, pageSize };
      fake.followingsCalls.push(c);
      const step = fake.followingsScript.shift() ?? page([]);
      if (step instanceof Error) throw step;
      const data = typeof step === 'function' ? await step(c) : step;
      return call(name, 'instagram/user/get_following', data);
    },
    asSet() {
      return { primary: fake, byName: (n) => (n === name ? fake : undefined), sample: false };
    },
  };
  return fake;
}
