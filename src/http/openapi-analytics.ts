// The OpenAPI paths and schemas of the analysis endpoints (src/http/analytics.ts), merged into
// /api/v1/openapi.json by openapi.ts. The bodies are those of `sm-core mutuals|audience|overlap --json`
// (src/analytics; formulas in docs/analytics.md).
import { AUDIENCE_MAX_DAYS } from '../analytics/audience.ts';
import { MUTUALS_VIEWS } from '../analytics/mutuals.ts';
import { MAX_OVERLAP_PROFILES } from '../db/queries/overlap.ts';
import { ANALYTICS_DEFAULT_LIMIT, ANALYTICS_MAX_LIMIT } from './analytics.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });
const count = { type: 'integer', minimum: 0 };
const run = {
  type: 'object',
  description: 'The last complete run of the list: the state the figures describe.',
  properties: { run_id: { type: 'string', pattern: '^[0-9]+$' }, finished_at: { type: 'string', format: 'date-time' } },
  required: ['run_id', 'finished_at'],
};
const profile = {
  type: 'object',
  properties: { platform: { type: 'string' }, ext_id: { type: 'string' }, username: { type: 'string' } },
  required: ['platform', 'ext_id', 'username'],
};
/** The `{platform}/{username}` path parameters (the profile endpoint's too). */
export const PROFILE_PATH_PARAMETERS = [
  { name: 'platform', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,31}$' } },
  {
    name: 'username',
    in: 'path',
    required: true,
    description: 'Case-insensitive; a leading @ is ignored.',
    schema: { type: 'string', minLength: 1, maxLength: 65 },
  },
];
const limit = {
  name: 'limit',
  in: 'query',
  required: false,
  description: 'Accounts in this page.',
  schema: { type: 'integer', minimum: 1, maximum: ANALYTICS_MAX_LIMIT, default: ANALYTICS_DEFAULT_LIMIT },
};
const after = {
  name: 'after',
  in: 'query',
  required: false,
  description: 'Cursor of the next page, as given in the `Link: <...>; rel="next"` header of the previous one (opaque).',
  schema: { type: 'string', pattern: '^[1-9][0-9]{0,18}$' },
};
const link = {
  link: { description: 'RFC 8288 `<url>; rel="next"` when a next page exists.', schema: { type: 'string' } },
};
const common = {
  '404': error('No such profile is stored (code not_found)'),
  '409': error('A list the analysis needs has never completed a run (code list_never_completed): sync it first'),
  '503': error('Database unreachable, schema not current, or timeout'),
};

/** The three analysis paths. */
export function analyticsPaths(): Record<string, unknown> {
  return {
    '/api/v1/bloggers/{platform}/{username}/mutuals': {
      get: {
        operationId: 'getMutuals',
        summary: 'Who follows back: mutual follows, followings not following back, or fans (sm-core mutuals --json)',
        parameters: [
          ...PROFILE_PATH_PARAMETERS,
          { name: 'view', in: 'query', required: false, schema: { enum: [...MUTUALS_VIEWS], default: 'mutuals' } },
          limit,
          after,
        ],
        responses: {
          '200': {
            description: 'The view, one page of its accounts',
            headers: link,
            content: { 'application/json': { schema: ref('MutualsReport') } },
          },
          '400': error('Invalid or unknown parameter (code invalid_parameter)'),
          ...common,
        },
      },
    },
    '/api/v1/bloggers/{platform}/{username}/audience': {
      get: {
        operationId: 'getAudience',
        summary: 'Audience quality shares, daily gained/lost followers and growth anomalies (sm-core audience --json)',
        parameters: [
          ...PROFILE_PATH_PARAMETERS,
          {
            name: 'days',
            in: 'query',
            required: false,
            description: 'Days in the daily window, today (UTC) included.',
            schema: { type: 'integer', minimum: 1, maximum: AUDIENCE_MAX_DAYS, default: 30 },
          },
          {
            name: 'k',
            in: 'query',
            required: false,
            description: 'Standard deviations from the trailing mean that make a day anomalous (growth_anomaly_v1).',
            schema: { type: 'number', exclusiveMinimum: 0, default: 3 },
          },
        ],
        responses: {
          '200': { description: 'The report', content: { 'application/json': { schema: ref('AudienceReport') } } },
          '400': error('Invalid or unknown parameter (code invalid_parameter)'),
          ...common,
        },
      },
    },
    '/api/v1/overlap': {
      get: {
        operationId: 'getOverlap',
        summary: 'Audience overlap of 2 to 16 profiles: shared followers, Jaccard per pair, unique reach (sm-core overlap --json)',
        parameters: [
          {
            name: 'u',
            in: 'query',
            required: true,
            description: `A username, repeated: 2 to ${MAX_OVERLAP_PROFILES} distinct profiles, in the order of the output.`,
            schema: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: MAX_OVERLAP_PROFILES },
            style: 'form',
            explode: true,
          },
          { name: 'platform', in: 'query', required: false, schema: { type: 'string', default: 'instagram' } },
          {
            name: 'list',
            in: 'query',
            required: false,
            description: 'Also list the followers shared by at least two of the profiles (one page).',
            schema: { enum: ['true', 'false'], default: 'false' },
          },
          { ...limit, description: 'With list=true: shared followers in this page.' },
          { ...after, description: `With list=true: ${after.description}` },
        ],
        responses: {
          '200': { description: 'The overlap', headers: link, content: { 'application/json': { schema: ref('OverlapReport') } } },
          '400': error('Invalid or unknown parameter, fewer than 2 or more than 16 profiles, one named twice (code invalid_parameter)'),
          ...common,
        },
      },
    },
  };
}

/** Schemas of the three bodies. */
export function analyticsSchemas(): Record<string, unknown> {
  const account = {
    type: 'object',
    properties: {
      ext_id: { type: 'string' },
      username: { type: 'string' },
      full_name: { type: ['string', 'null'] },
      is_private: { type: 'boolean' },
      is_verified: { type: 'boolean' },
    },
    required: ['ext_id', 'username', 'full_name', 'is_private', 'is_verified'],
  };
  const list = { type: 'object', properties: { active: count, last_complete_run: run }, required: ['active', 'last_complete_run'] };
  const share = {
    type: 'object',
    properties: {
      formula: { type: 'string' },
      count,
      denominator: count,
      denominator_is: { type: 'string' },
      share: { type: ['number', 'null'], description: 'count / denominator (6 decimals); null when the denominator is 0.' },
    },
    required: ['formula', 'count', 'denominator', 'denominator_is', 'share'],
  };
  return {
    MutualsReport: {
      type: 'object',
      properties: {
        profile,
        view: { enum: [...MUTUALS_VIEWS] },
        definition: { type: 'string' },
        lists: { type: 'object', properties: { followers: list, followings: list }, required: ['followers', 'followings'] },
        counts: {
          type: 'object',
          properties: { followers: count, followings: count, mutuals: count, not_following_back: count, fans: count },
          required: ['followers', 'followings', 'mutuals', 'not_following_back', 'fans'],
        },
        accounts: { type: 'array', items: account },
      },
      required: ['profile', 'view', 'definition', 'lists', 'counts', 'accounts'],
    },
    AudienceReport: {
      type: 'object',
      description:
        'Formulas share_private_v1, share_verified_v1, share_no_picture_v1, bot_handle_v1, followers_daily_v1, growth_anomaly_v1 (docs/analytics.md).',
      properties: {
        profile,
        source_run: run,
        followers: count,
        shares: {
          type: 'object',
          properties: { private: share, verified: share, no_profile_picture: share, bot_like_handle: share },
          required: ['private', 'verified', 'no_profile_picture', 'bot_like_handle'],
        },
        daily: {
          type: 'object',
          properties: {
            formula: { const: 'followers_daily_v1' },
            from: { type: 'string', format: 'date' },
            to: { type: 'string', format: 'date' },
            time_zone: { const: 'UTC' },
            days: {
              type: 'array',
              items: {
                type: 'object',
                description:
                  'day, gained, lost, net, run_ids, observed, complete_run_ids, z, trailing_mean, trailing_sigma, trailing_observed_days, anomaly',
              },
            },
          },
          required: ['formula', 'from', 'to', 'time_zone', 'days'],
        },
        anomalies: {
          type: 'object',
          properties: {
            formula: { type: 'string' },
            k: { type: 'number' },
            trailing_days: count,
            min_observed_days: count,
            min_sigma: { type: 'number' },
            days: { type: 'array', items: { type: 'string', format: 'date' } },
          },
          required: ['formula', 'k', 'trailing_days', 'min_observed_days', 'min_sigma', 'days'],
        },
      },
      required: ['profile', 'source_run', 'followers', 'shares', 'daily', 'anomalies'],
    },
    OverlapReport: {
      type: 'object',
      properties: {
        formula: { const: 'overlap_v1' },
        source: { const: 'active subscriptions' },
        profiles: {
          type: 'array',
          items: {
            type: 'object',
            properties: { username: { type: 'string' }, ext_id: { type: 'string' }, followers: count, last_complete_run: run },
            required: ['username', 'ext_id', 'followers', 'last_complete_run'],
          },
        },
        pairs: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              a: { type: 'string' },
              b: { type: 'string' },
              shared: count,
              union: count,
              jaccard: { type: ['number', 'null'], description: 'shared / union (6 decimals); null when both lists are empty.' },
            },
            required: ['a', 'b', 'shared', 'union', 'jaccard'],
          },
        },
        reach: { ...count, description: 'Distinct followers across the profiles.' },
        shared_followers: {
          type: 'array',
          description: 'With list=true only: followers of at least two of the profiles, one page.',
          items: {
            type: 'object',
            properties: {
              ext_id: { type: 'string' },
              username: { type: 'string' },
              full_name: { type: ['string', 'null'] },
              follows: { type: 'array', items: { type: 'string' } },
            },
            required: ['ext_id', 'username', 'full_name', 'follows'],
          },
        },
      },
      required: ['formula', 'source', 'profiles', 'pairs', 'reach'],
    },
  };
}
