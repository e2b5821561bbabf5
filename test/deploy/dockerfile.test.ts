// Dockerfile + .dockerignore, checked offline (no Docker engine here): dockerfile-utils (the linter of the
// Docker language server) plus the properties issue 6 asks for, read from the parsed instructions.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const content = readFileSync(`${root}Dockerfile`, 'utf8');
const dockerfile = DockerfileParser.parse(content);
const instructions = dockerfile
  .getInstructions()
  .map((i) => ({ keyword: i.getKeyword(), args: i.getTextContent().replace(/^\S+\s+/, '') }));
const ignored = readFileSync(`${root}.dockerignore`, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));

describe('Dockerfile', () => {
  it('has no diagnostics from dockerfile-utils', () => {
    const diagnostics = validate(content).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(diagnostics).toEqual([]);
  });

  it('is multi-stage: npm ci in a deps stage, then a slim Node 26 runtime that copies node_modules from it', () => {
    const froms = dockerfile.getFROMs().map((f) => ({ image: f.getImage(), stage: f.getBuildStage() }));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's own ARG reference, compared literally
    const image = 'node:${NODE_VERSION}-slim';
    expect(froms).toEqual([
      { image, stage: 'deps' },
      { image, stage: 'runtime' },
    ]);
    expect(instructions.find((i) => i.keyword === 'ARG')?.args).toBe('NODE_VERSION=26');
    expect(instructions.some((i) => i.keyword === 'RUN' && /npm ci --omit=dev\b/.test(i.args))).toBe(true);
    expect(instructions.some((i) => i.keyword === 'COPY' && i.args.startsWith('--from=deps /app/node_modules'))).toBe(true);
  });

  it('runs as a non-root user, under tini, with a HEALTHCHECK', () => {
    const runtime = instructions.slice(instructions.findLastIndex((i) => i.keyword === 'FROM'));
    expect(runtime.filter((i) => i.keyword === 'USER').map((i) => i.args)).toEqual(['10001:10001']);
    expect(runtime.find((i) => i.keyword === 'ENTRYPOINT')?.args).toBe('["/usr/bin/tini", "--", "/app/entrypoints/docker-entrypoint.sh"]');
    expect(runtime.some((i) => i.keyword === 'RUN' && /apt-get install -y --no-install-recommends tini/.test(i.args))).toBe(true);
    expect(runtime.find((i) => i.keyword === 'HEALTHCHECK')?.args).toMatch(/CMD \["\/app\/entrypoints\/healthcheck\.sh"\]$/);
  });

  it('copies only files that exist and that .dockerignore does not exclude; excludes secrets and local state', () => {
    const sources = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(3);
    for (const src of sources) {
      expect(existsSync(`${root}${src}`), src).toBe(true);
      expect(ignored, src).not.toContain(src);
    }
    expect(ignored).toEqual(expect.arrayContaining(['.git', 'node_modules', '.env', '.sm-core', 'test']));
  });
});
