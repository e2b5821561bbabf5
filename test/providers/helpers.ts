// Shared helpers for provider tests: bundled sample bodies and RocketAPI envelopes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROCKET_SAMPLES_DIR } from '../../src/providers/sample/fake-rocket-server.ts';

/** Text of a bundled RocketAPI sample (samples/rocketapi/<file>). */
export function rocketSample(file: string): string {
  return readFileSync(path.join(ROCKET_SAMPLES_DIR, file), 'utf8');
}

/**
 * A RocketAPI envelope around `bodyJson` (JSON text, so tests can write unquoted big integers,
 * escaped NULs and lone surrogates exactly as a provider would send them).
 */
export function envelopeText(bodyJson: string, statusCode = 200, contentType = 'application/json'): string {
  return `{"status":"done","response":{"status_code":${statusCode},"content_type":${JSON.stringify(contentType)},"body":${bodyJson}}}`;
}

/** A test API key; tests assert it never appears in errors. */
export const TEST_KEY = 'rk_test_SECRET_0123456789';
