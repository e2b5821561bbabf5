// `npm run bench [-- name...]`: runs every bench/*.bench.ts (or those named), then prints each
// figure beside its target and the value/target ratio. Adding a bench = adding one file that
// default-exports a Bench (bench/lib/bench.ts). Results are also written to bench/.out/results.json.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Bench, Figure } from './lib/bench.ts';

const dir = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, '')))
  .sort();
if (files.length === 0) {
  process.stderr.write(`bench: no bench/*.bench.ts matches ${wanted.join(', ') || '(any)'}\n`);
  process.exit(2);
}

const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const results: Array<{ bench: string; figures: Figure[]; error?: string }> = [];
// Latencies depend on what else runs on the machine: print the load beside the figures.
const loadAtStart = loadavg()[0]!;
for (const file of files) {
  const bench = (await import(pathToFileURL(path.join(dir, file)).href)).default as Bench;
  process.stderr.write(`bench ${bench.name}: ${bench.description}\n`);
  try {
    const figures = await bench.run({ adminUrl, log: (m) => process.stderr.write(`  ${bench.name}: ${m}\n`) });
    results.push({ bench: bench.name, figures });
  } catch (err) {
    process.stderr.write(`bench ${bench.name} failed: ${(err as Error).stack ?? String(err)}\n`);
    results.push({ bench: bench.name, figures: [], error: (err as Error).message });
  }
}

function fmt(n: number): string {
  return Number.isFinite(n) ? (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2)) : 'n/a';
}
function verdict(f: Figure): { target: string; ratio: string; ok: string } {
  if (f.target?.below !== undefined)
    return { target: `< ${fmt(f.target.below)}`, ratio: fmt(f.value / f.target.below), ok: f.value < f.target.below ? 'ok' : 'MISS' };
  if (f.target?.above !== undefined)
    return { target: `> ${fmt(f.target.above)}`, ratio: fmt(f.value / f.target.above), ok: f.value > f.target.above ? 'ok' : 'MISS' };
  return { target: '', ratio: '', ok: '' };
}

const machine = `${cpus().length} CPUs, load average (1 min) ${loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end`;
process.stdout.write(`${machine}\n`);
const rows = [['bench', 'figure', 'value', 'unit', 'target', 'ratio', '', 'note']];
for (const r of results) {
  if (r.error) rows.push([r.bench, 'FAILED', '', '', '', '', 'MISS', r.error]);
  for (const f of r.figures) {
    const v = verdict(f);
    rows.push([r.bench, f.name, fmt(f.value), f.unit, v.target, v.ratio, v.ok, f.note ?? '']);
  }
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
for (const row of rows)
  process.stdout.write(
    `${row
      .map((c, i) => (i === 2 || i === 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()}\n`,
  );

mkdirSync(path.join(dir, '.out'), { recursive: true });
writeFileSync(path.join(dir, '.out', 'results.json'), `${JSON.stringify({ at: new Date().toISOString(), machine, results }, null, 2)}\n`);
process.exitCode = results.some((r) => r.error) ? 1 : 0;
