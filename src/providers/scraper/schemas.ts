// zod schemas for the instagram-scraper-api2 family on RapidAPI (PROVIDERS.md §2.1). Users are
// validated by the Instagram shapes in ../records.ts.
import { z } from 'zod';

const tokenSchema = z.union([z.string(), z.number()]).nullish();

/** `GET /v1/info` body: the user under `data` (mobile naming, flat counts). */
export const scraperInfoBodySchema = z.object({ data: z.unknown() });

/**
 * `GET /v1/followers|following` body: `data.items` and a top-level `pagination_token` (null or
 * absent on the last page). Some clients read `data.pagination_token`; both are accepted.
 */
export const scraperListBodySchema = z.object({
  data: z.object({
    items: z.array(z.unknown()),
    count: z.number().nullish(),
    total: z.number().nullish(),
    pagination_token: tokenSchema,
  }),
  pagination_token: tokenSchema,
});

/** Business error bodies: `{"detail":"Not found"}`, `{"error":"..."}`, `{"status":"error", ...}`. */
export const scraperErrorBodySchema = z.object({
  detail: z.string().nullish(),
  error: z.string().nullish(),
  status: z.string().nullish(),
  message: z.string().nullish(),
});
