// RocketAPI get_followers / get_following envelopes for the fake RocketAPI server (PROVIDERS.md §1.3 shape).

/**
 * An envelope around one list page: `users` as [pk, username, full name?]; `next` is the
 * next_max_id (null = the last page: `has_more: false`).
 */
export function rocketListPage(users: ReadonlyArray<readonly [string, string, string?]>, next: string | null) {
  return {
    status: 'done',
    response: {
      status_code: 200,
      content_type: 'application/json',
      body: {
        users: users.map(([pk, username, fullName]) => ({ pk, pk_id: pk, username, full_name: fullName ?? username, is_private: false })),
        next_max_id: next,
        has_more: next !== null,
        status: 'ok',
      },
    },
  };
}
