// .env.example documents every key of the config schema, each with a comment line above it (BRIEF: keep in step).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config.ts';

const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
const lines = text.split('\n');

describe('.env.example', () => {
  it('lists every key of src/config.ts envSchema, each with a one-line comment above it', () => {
    const listed = lines.map((l) => /^([A-Z][A-Z0-9_]*)=/.exec(l)?.[1]).filter((k): k is string => Boolean(k));
    const missing = Object.keys(envSchema.shape).filter((k) => !listed.includes(k));
    expect(missing, 'add these keys to .env.example with a comment').toEqual([]);
    const unknown = listed.filter((k) => !(k in envSchema.shape));
    expect(unknown, 'these keys are not in src/config.ts').toEqual([]);
    for (const key of listed) {
      const i = lines.findIndex((l) => l.startsWith(`${key}=`));
      expect(lines[i - 1]?.startsWith('# '), `${key} needs a comment line above it`).toBe(true);
    }
  });
});
