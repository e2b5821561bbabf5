// JSON parsing for provider bodies: integers outside Number's safe range are kept as their exact source text.
import { ProviderError } from '../errors.ts';

const INTEGER_SOURCE = /^-?\d+$/;

/** The third argument Node >= 22 passes to a JSON.parse reviver (TC39 "JSON.parse source text access"). */
interface ReviverContext {
  source?: string;
}

/** Thrown when a runtime without reviver source access meets an unsafe integer (never accept it rounded). */
export class UnsafeIntegerError extends Error {}

function keepUnsafeIntegers(_key: string, value: unknown, context?: ReviverContext): unknown {
  if (typeof value !== 'number' || Number.isSafeInteger(value) || !Number.isInteger(value)) return value;
  const source = context?.source;
  if (source !== undefined) return INTEGER_SOURCE.test(source) ? source : value;
  throw new UnsafeIntegerError(`integer ${value} is outside the safe range and its source text is unavailable`);
}

/**
 * Parses JSON text. Integers outside `Number.MIN_SAFE_INTEGER..MAX_SAFE_INTEGER` written as plain
 * digits become their exact source string (`{"pk":17841401234567891}` -> `{pk:"17841401234567891"}`),
 * so ids and cursors above 2^53 are never rounded (CASES.md C04, PROVIDERS.md §4). Safe integers and
 * fractions stay numbers.
 * @throws SyntaxError on invalid JSON; UnsafeIntegerError on a runtime without reviver source access
 */
export function parseJson(text: string): unknown {
  return JSON.parse(text, keepUnsafeIntegers);
}

/**
 * {@link parseJson} for a provider response body.
 * @throws ProviderError invalid_response (with the raw body, truncated) when the text is not JSON
 */
export function parseProviderJson(provider: string, text: string, httpStatus: number, rawBody: (text: string) => string): unknown {
  try {
    return parseJson(text);
  } catch (err) {
    throw new ProviderError('invalid_response', provider, `response body is not valid JSON (HTTP ${httpStatus})`, {
      httpStatus,
      rawBody: rawBody(text),
      cause: err,
    });
  }
}
