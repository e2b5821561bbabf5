// Output: results to stdout (a table for people, JSON for machines); errors as one line on stderr.
import { AppError } from '../errors.ts';

let secretsToRedact: readonly string[] = [];

/** Registers secret values the error printer must never show (set once the config is loaded). */
export function setOutputSecrets(secrets: readonly string[]): void {
  secretsToRedact = secrets;
}

function scrub(text: string): string {
  let out = text;
  for (const s of secretsToRedact) if (s) out = out.split(s).join('[redacted]');
  return out.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/g, '$1[redacted]@');
}

/** Prints `value` as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One line on stderr for people (not a log line, not a result). */
export function note(text: string): void {
  process.stderr.write(`sm-core: ${text}\n`);
}

/** Prints a line on stdout. */
export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/**
 * Prints an error as one line on stderr: `sm-core: <message>`. Unexpected errors (not AppError)
 * get an "internal error" prefix and, with SM_DEBUG=1, their stack.
 */
export function printError(err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  const known = e instanceof AppError;
  const msg = known ? e.message : `internal error: ${e.message}`;
  process.stderr.write(`sm-core: ${scrub(msg)}\n`);
  if (!known && process.env.SM_DEBUG === '1' && e.stack) process.stderr.write(`${scrub(e.stack)}\n`);
}

/** Renders rows as a cli-table3 table (loaded lazily: tables are for people, not the hot path). */
export async function printTable(head: string[], rows: Array<Array<string | number | null | undefined>>): Promise<void> {
  const { default: Table } = await import('cli-table3');
  const table = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) table.push(r.map((c) => (c === null || c === undefined ? '' : String(c))));
  process.stdout.write(`${table.toString()}\n`);
}
