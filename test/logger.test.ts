// Logger: JSON on stderr for machines, pretty only on a TTY, secrets scrubbed, run/job ids on every job line.
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, jobLogger, type LoggerOptions } from '../src/logger.ts';

const root = fileURLToPath(new URL('../', import.meta.url));

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

function logOnce(options: LoggerOptions, secrets: string[] = []) {
  const out = capture();
  const logger = createLogger('info', secrets, { ...options, destination: out.stream });
  logger.info({ url: 'postgres://u:hunter22@db/x', key: 'sk-secret-123' }, 'hello sk-secret-123');
  return out;
}

describe('logger', () => {
  it('writes JSON lines when not on a TTY (auto), with secrets and URL passwords redacted', async () => {
    const out = logOnce({ format: 'auto', isTty: false }, ['sk-secret-123']);
    await vi.waitFor(() => expect(out.text()).toContain('\n'));
    const line = JSON.parse(out.text().trim());
    expect(line).toMatchObject({
      level: 30,
      app: 'sm-core',
      msg: 'hello [redacted]',
      key: '[redacted]',
      url: 'postgres://u:[redacted]@db/x',
    });
    expect(out.text()).not.toContain('hunter22');
  });

  it('writes pretty lines on a TTY (auto) and when forced; redaction still applies', async () => {
    for (const options of [
      { format: 'auto', isTty: true },
      { format: 'pretty', isTty: false },
    ] as const) {
      const out = logOnce(options, ['sk-secret-123']);
      await vi.waitFor(() => expect(out.text()).toContain('hello [redacted]'));
      expect(() => JSON.parse(out.text().trim())).toThrow();
      expect(out.text()).toContain('INFO');
      expect(out.text()).not.toContain('sk-secret-123');
      expect(out.text()).not.toContain('hunter22');
    }
  });

  it('SM_LOG_FORMAT=json keeps JSON even on a TTY', async () => {
    const out = logOnce({ format: 'json', isTty: true });
    await vi.waitFor(() => expect(out.text()).toContain('\n'));
    expect(JSON.parse(out.text().trim()).msg).toBe('hello sk-secret-123');
  });

  it('jobLogger binds runId (as a string), jobId and queue to every line', async () => {
    const out = capture();
    const base = createLogger('info', [], { format: 'json', destination: out.stream });
    const log = jobLogger(base, { runId: 17, jobId: 'a1b2', queue: 'sync-followers', page: 3 });
    log.info('page stored');
    log.warn({ items: 50 }, 'slow');
    await vi.waitFor(() => expect(out.text().trim().split('\n')).toHaveLength(2));
    for (const line of out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))) {
      expect(line).toMatchObject({ app: 'sm-core', runId: '17', jobId: 'a1b2', queue: 'sync-followers', page: 3 });
    }
    const noJob = capture();
    jobLogger(createLogger('info', [], { format: 'json', destination: noJob.stream }), { runId: '5' }).info('x');
    await vi.waitFor(() => expect(noJob.text()).toContain('\n'));
    const line = JSON.parse(noJob.text());
    expect(line.runId).toBe('5');
    expect('jobId' in line).toBe(false);
  });

  it('the JSON path never loads pino-pretty', () => {
    const probe = `
      import { createRequire } from 'node:module';
      import { createLogger } from ${JSON.stringify(`${root}src/logger.ts`)};
      createLogger('info', [], { isTty: false }).info('x');
      const before = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/pino-pretty/'));
      createLogger('info', [], { isTty: true });
      const after = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/pino-pretty/'));
      process.stdout.write(JSON.stringify({ before, after }));
    `;
    const res = spawnSync(`${root}node_modules/.bin/node`, ['--input-type=module', '-e', probe], { cwd: root, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ before: false, after: true });
  });
});
