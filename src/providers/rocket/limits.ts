// RocketAPI's documented page sizes (PROVIDERS.md §1.3). A leaf module: src/config.ts reads it to
// validate SM_FOLLOWERS_PAGE_SIZE without loading the HTTP client.

/** RocketAPI documents `count` <= 50 for get_followers since SDK 1.0.7 (PROVIDERS.md §1.3). */
export const ROCKET_MAX_FOLLOWERS_COUNT = 50;
/** RocketAPI documents `count` <= 200 for get_following (PROVIDERS.md §1.3). */
export const ROCKET_MAX_FOLLOWING_COUNT = 200;
