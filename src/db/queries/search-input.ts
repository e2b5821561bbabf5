// Search input: the one validation of a search request (CLI and HTTP share it) and the tsquery text
// built from database-produced lexemes, so user text never reaches to_tsquery (CASES.md C19).
import { UsageError } from '../../errors.ts';

/** Longest accepted query, in characters (UTF-16 code units after trimming). */
export const SEARCH_MAX_QUERY_LENGTH = 200;
/** per_page default and ceiling: larger values are capped to this, not rejected (issue 5). */
export const SEARCH_DEFAULT_PER_PAGE = 20;
export const SEARCH_MAX_PER_PAGE = 100;
/** Highest page number accepted (keeps OFFSET arithmetic far inside safe integers). */
export const SEARCH_MAX_PAGE = 100_000;
/**
 * Shortest last word (characters) that matches as a prefix. A one-letter prefix (`anna k`) would
 * expand to every word starting with that letter; it matches as a whole word instead (`anna.k_92`).
 */
export const SEARCH_MIN_PREFIX_LENGTH = 2;
/**
 * Shortest last word made only of digits that matches as a prefix: `17` would expand to every
 * number from 17 to 17999... (a tenth of the index's numbers), so `anna.k_17` matches `17` whole.
 */
export const SEARCH_MIN_NUMERIC_PREFIX_LENGTH = 3;

/** Machine-readable reason of a rejected search request (the HTTP `error.code`). */
export type SearchInputErrorCode = 'query_required' | 'query_too_long' | 'invalid_parameter';

/** A search request that cannot run. A usage error on the CLI (exit 2), a 400 over HTTP. */
export class SearchInputError extends UsageError {
  readonly code: SearchInputErrorCode;
  /** The offending parameter (`q`, `page`, `per_page`, `platform`). */
  readonly parameter: string;
  constructor(code: SearchInputErrorCode, parameter: string, message: string) {
    super(message);
    this.code = code;
    this.parameter = parameter;
  }
}

/** A validated search request. */
export interface SearchRequest {
  /** The query text, trimmed, without NUL characters or lone surrogates; never empty. */
  query: string;
  /** Restrict to one platform (`instagram`), or null for all. */
  platform: string | null;
  /** 1-based page number. */
  page: number;
  /** Results per page, 1..{@link SEARCH_MAX_PER_PAGE}. */
  perPage: number;
}

/** Raw parameters as they arrive: strings from the command line or the query string, or absent. */
export interface RawSearchParams {
  q?: string | undefined;
  platform?: string | undefined;
  page?: string | number | undefined;
  per_page?: string | number | undefined;
}

const PLATFORM_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;

function parsePositiveInt(value: string | number | undefined, parameter: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const text = String(value).trim();
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1) {
    throw new SearchInputError(
      'invalid_parameter',
      parameter,
      `${parameter} must be a whole number of at least 1, got "${text.slice(0, 40)}"`,
    );
  }
  return Number(text);
}

/** Removes what PostgreSQL text cannot hold (NUL) and lone UTF-16 surrogates (CASES.md C01, C03). */
export function cleanQueryText(text: string): string {
  return text.replaceAll('\u0000', '').toWellFormed().trim();
}

/**
 * Validates a search request. An empty query is refused (the same rule for CLI and HTTP, C19):
 * searching needs at least one character; a query made only of punctuation is valid and finds nothing.
 * per_page above {@link SEARCH_MAX_PER_PAGE} is capped, not refused.
 * @throws SearchInputError with code `query_required`, `query_too_long` or `invalid_parameter`
 */
export function parseSearchRequest(raw: RawSearchParams): SearchRequest {
  const query = cleanQueryText(raw.q ?? '');
  if (query === '') {
    throw new SearchInputError(
      'query_required',
      'q',
      'the search query is empty: give a handle, a name or words from a bio (for example "anna")',
    );
  }
  if (query.length > SEARCH_MAX_QUERY_LENGTH) {
    throw new SearchInputError(
      'query_too_long',
      'q',
      `the search query is ${query.length} characters long; the limit is ${SEARCH_MAX_QUERY_LENGTH}`,
    );
  }
  const page = parsePositiveInt(raw.page, 'page', 1);
  if (page > SEARCH_MAX_PAGE) {
    throw new SearchInputError('invalid_parameter', 'page', `page must be at most ${SEARCH_MAX_PAGE}`);
  }
  const perPage = Math.min(parsePositiveInt(raw.per_page, 'per_page', SEARCH_DEFAULT_PER_PAGE), SEARCH_MAX_PER_PAGE);
  let platform: string | null = null;
  if (raw.platform !== undefined && raw.platform.trim() !== '') {
    platform = raw.platform.trim().toLowerCase();
    if (!PLATFORM_PATTERN.test(platform)) {
      throw new SearchInputError(
        'invalid_parameter',
        'platform',
        `platform must be a lowercase name such as "instagram", got "${platform.slice(0, 40)}"`,
      );
    }
  }
  return { query, platform, page, perPage };
}

/** The handle form of a query for the exact-handle match: lower case, without a leading `@`. */
export function handleOf(query: string): string {
  return query.replace(/^@+/, '').trim().toLowerCase();
}

/** A lexeme of the normalised query, with the last position it holds in the query. */
export interface QueryLexeme {
  lexeme: string;
  position: number;
}

/** The two tsquery texts a search runs with; both are AND of every lexeme. */
export interface TsQueries {
  /** The last word is a prefix (type-ahead, C20) when {@link SEARCH_MIN_PREFIX_LENGTH} long: `'anna' & 'ols':*`. */
  prefix: string;
  /** Every word whole: `'anna' & 'ols'`, used to rank whole-word hits above prefix hits. */
  exact: string;
}

/** Quotes one lexeme for tsquery input syntax: inside single quotes, `'` doubled, `\` escaped. */
function quoteLexeme(lexeme: string): string {
  return `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * Builds the tsquery texts from lexemes that PostgreSQL itself produced (to_tsvector of the
 * normalised query), never from the user's raw text, so operators such as `&`, `|`, `!`, `:*` or
 * `<->` in the input are plain separators (CASES.md C19). The lexeme at the highest position is
 * the last word typed and becomes a prefix (when at least {@link SEARCH_MIN_PREFIX_LENGTH} long, or
 * {@link SEARCH_MIN_NUMERIC_PREFIX_LENGTH} for a number).
 * @returns null when there is no lexeme (a query of punctuation only: it matches nothing)
 */
export function buildTsQueries(lexemes: readonly QueryLexeme[]): TsQueries | null {
  if (lexemes.length === 0) return null;
  const ordered = [...lexemes].sort((a, b) => a.position - b.position || (a.lexeme < b.lexeme ? -1 : 1));
  const last = ordered.length - 1;
  const quoted = ordered.map((l) => quoteLexeme(l.lexeme));
  const lastWord = ordered[last]!.lexeme;
  const lastIsPrefix = [...lastWord].length >= (/^\d+$/.test(lastWord) ? SEARCH_MIN_NUMERIC_PREFIX_LENGTH : SEARCH_MIN_PREFIX_LENGTH);
  return {
    prefix: quoted.map((q, i) => (i === last && lastIsPrefix ? `${q}:*` : q)).join(' & '),
    exact: quoted.join(' & '),
  };
}

/** Letters, digits, dots and underscores only (an optional leading `@`): what an Instagram handle is made of. */
const HANDLE_SHAPE = /^@?[\p{L}\p{N}._]+$/u;

/**
 * The handle a query could be the beginning of, or null: a query of one token made of letters,
 * digits, `.` and `_` (`anna.k_9`, `@david_s1`, `a`), lower-cased, without the `@`. Such a query
 * also matches every handle that starts with it (type-ahead over the handle as typed).
 */
export function handlePrefixOf(query: string): string | null {
  return HANDLE_SHAPE.test(query) ? handleOf(query) : null;
}
