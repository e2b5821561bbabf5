// zod schemas for RocketAPI responses (PROVIDERS.md §1.2-1.3). Users inside lists and profiles are
// validated by the Instagram shapes in ../records.ts.
import { z } from 'zod';

/**
 * The RocketAPI envelope `{status, response:{status_code, content_type, body}}` (PROVIDERS.md §1.2).
 * `status` other than "done" means RocketAPI itself failed; unknown keys are ignored.
 */
export const rocketEnvelopeSchema = z.object({
  status: z.string(),
  message: z.string().nullish(),
  response: z
    .object({
      status_code: z.number().int(),
      content_type: z.string().nullish(),
      body: z.unknown(),
    })
    .nullish(),
});

/** Cursor as sent by Instagram: text, or a bare number (CASES.md C04: kept exact by ../json.ts). */
const cursorSchema = z.union([z.string(), z.number()]).nullish();

/** `friendships/{id}/followers|following` body (PROVIDERS.md §3.3). `users` items are validated one by one. */
export const rocketListBodySchema = z.object({
  users: z.array(z.unknown()),
  next_max_id: cursorSchema,
  has_more: z.boolean().nullish(),
  big_list: z.boolean().nullish(),
  should_limit_list_of_followers: z.boolean().nullish(),
});

/** `get_info` body = web_profile_info `{data:{user}}` (§3.1); `user` null means no such user. */
export const rocketWebProfileBodySchema = z.object({ data: z.object({ user: z.unknown() }) });

/** `get_info_by_id` body = mobile `users/{id}/info` `{user}` (§3.2). */
export const rocketMobileProfileBodySchema = z.object({ user: z.unknown() });

/** Either profile body; `get_info` and `get_info_by_id` are each read with both for tolerance. */
export const rocketProfileBodySchema = z.union([rocketWebProfileBodySchema, rocketMobileProfileBodySchema]);
