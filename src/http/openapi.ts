// GET /api/v1/openapi.json: the OpenAPI 3.1 description of every endpoint (docs/api.md is the prose).
import { SEARCH_DEFAULT_PER_PAGE, SEARCH_MAX_PAGE, SEARCH_MAX_PER_PAGE, SEARCH_MAX_QUERY_LENGTH } from '../db/queries/search-input.ts';
import { SEARCH_MATCH_CAP } from '../db/queries/search.ts';
import { analyticsPaths, analyticsSchemas, PROFILE_PATH_PARAMETERS } from './openapi-analytics.ts';

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const json = (description: string, ref: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

const count = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER };
const nullableCount = { type: ['integer', 'null'], minimum: 0, maximum: Number.MAX_SAFE_INTEGER };

const bloggerProperties = {
  id: { type: 'string', pattern: '^[0-9]+$', description: 'Row id (bigint as a string).' },
  platform: { type: 'string', examples: ['instagram'] },
  ext_id: { type: 'string', description: "The platform's account id (Instagram pk) as a string; exceeds 2^53." },
  username: { type: 'string', examples: ['anna.k_92'] },
  full_name: { type: ['string', 'null'] },
  bio: { type: ['string', 'null'] },
  avatar: { type: ['string', 'null'], format: 'uri' },
  url: { type: ['string', 'null'], format: 'uri' },
  followers_count: nullableCount,
  follows_count: nullableCount,
  posts_count: count,
  engagement_rate: { type: ['number', 'null'], description: 'Ratio: 0.0123 = 1.23 %.' },
  is_private: { type: 'boolean' },
  is_verified: { type: 'boolean' },
  last_synced_at: { type: ['string', 'null'], format: 'date-time' },
};
const bloggerRequired = Object.keys(bloggerProperties);

/** Builds the document (a fresh object each call; cheap). */
export function buildOpenApi(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'sm-core API',
      version: '1.0.0',
      description:
        'Search stored bloggers, read one profile and its audience analyses (mutuals, audience quality, overlap), and check health and metrics. Read-only. See docs/api.md.',
    },
    paths: {
      '/api/v1/bloggers': {
        get: {
          operationId: 'searchBloggers',
          summary: 'Search bloggers by handle, name or bio',
          description:
            'Accent-, case- and punctuation-insensitive; the last word is a prefix (type-ahead); handle parts match (`k_92` finds `anna.k_92`); ' +
            'a query typed as a handle also finds the handles starting with it (`anna.k_9` finds `anna.k_92`); ' +
            `near spellings match when direct matches are few. Order: exact handle, then relevance (handle > full name > bio), then id. At most ${SEARCH_MATCH_CAP} matches are ranked; meta.total_exact tells.`,
          parameters: [
            {
              name: 'q',
              in: 'query',
              required: true,
              description: 'Search text (not empty after trimming).',
              schema: { type: 'string', minLength: 1, maxLength: SEARCH_MAX_QUERY_LENGTH },
            },
            { name: 'page', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: SEARCH_MAX_PAGE, default: 1 } },
            {
              name: 'per_page',
              in: 'query',
              required: false,
              description: `Values above ${SEARCH_MAX_PER_PAGE} are capped to ${SEARCH_MAX_PER_PAGE}.`,
              schema: { type: 'integer', minimum: 1, default: SEARCH_DEFAULT_PER_PAGE },
            },
            {
              name: 'platform',
              in: 'query',
              required: false,
              schema: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,31}$', examples: ['instagram'] },
            },
          ],
          responses: {
            '200': json('One page of results', 'SearchPage'),
            '400': error('Invalid parameter (codes: query_required, query_too_long, invalid_parameter)'),
            '503': error('Database unreachable, schema not current, timeout, or overloaded (load shedding; Retry-After)'),
          },
        },
      },
      '/api/v1/bloggers/{platform}/{username}': {
        get: {
          operationId: 'getBlogger',
          summary: 'One stored profile with its latest snapshot',
          parameters: PROFILE_PATH_PARAMETERS,
          responses: {
            '200': json('The profile', 'BloggerCard'),
            '400': error('Invalid platform or username'),
            '404': error('No such profile is stored (code not_found)'),
            '503': error('Database unreachable or schema not current'),
          },
        },
      },
      ...analyticsPaths(),
      '/health': {
        get: {
          operationId: 'health',
          summary: 'Readiness: database reachable and schema current',
          responses: { '200': json('Healthy', 'Health'), '503': json('Unavailable, with the reason', 'Health') },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics (text exposition format 0.0.4)',
          responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      '/api/v1/openapi.json': {
        get: {
          operationId: 'openapi',
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
    },
    components: {
      schemas: {
        Blogger: { type: 'object', properties: bloggerProperties, required: bloggerRequired },
        SearchHit: {
          allOf: [
            { $ref: '#/components/schemas/Blogger' },
            {
              type: 'object',
              properties: {
                match: { enum: ['handle', 'text', 'fuzzy'], description: 'Exact handle, word match, or near spelling.' },
                score: { type: 'number', description: 'Relevance within its match kind (higher first).' },
              },
              required: ['match', 'score'],
            },
          ],
        },
        SearchPage: {
          type: 'object',
          properties: {
            data: { type: 'array', items: { $ref: '#/components/schemas/SearchHit' } },
            meta: {
              type: 'object',
              properties: {
                page: { type: 'integer', minimum: 1 },
                per_page: { type: 'integer', minimum: 1, maximum: SEARCH_MAX_PER_PAGE },
                total: { ...count, description: 'Matching profiles; a lower bound when total_exact is false.' },
                total_exact: { type: 'boolean', description: `False when more than ${SEARCH_MATCH_CAP} profiles matched.` },
              },
              required: ['page', 'per_page', 'total', 'total_exact'],
            },
          },
          required: ['data', 'meta'],
        },
        BloggerCard: {
          allOf: [
            { $ref: '#/components/schemas/Blogger' },
            {
              type: 'object',
              properties: {
                created_at: { type: 'string', format: 'date-time' },
                updated_at: { type: 'string', format: 'date-time' },
                latest_snapshot: {
                  type: ['object', 'null'],
                  description: 'Newest growth snapshot (followers, follows, posts, engagement, time), null when none.',
                },
              },
              required: ['created_at', 'updated_at', 'latest_snapshot'],
            },
          ],
        },
        ...analyticsSchemas(),
        Health: {
          type: 'object',
          properties: {
            status: { enum: ['ok', 'unavailable'] },
            database: { enum: ['ok', 'unreachable'] },
            schema: { enum: ['current', 'not_current', 'unknown'] },
            reason: { type: 'string' },
          },
          required: ['status', 'database', 'schema'],
        },
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: { code: { type: 'string', examples: ['invalid_parameter'] }, message: { type: 'string' } },
              required: ['code', 'message'],
            },
          },
          required: ['error'],
        },
      },
    },
  };
}
