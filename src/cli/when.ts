// Time arguments of the history commands (`--since`, `--until`): a date, a date-time, or "ago".
import { UsageError } from '../errors.ts';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Parses `2026-11-01` (midnight UTC), an ISO date-time (`2026-11-01T12:00:00Z`, offset optional =
 * UTC), or a span back from `now`: `90m`, `24h`, `7d`, `2w`.
 * @throws UsageError naming the option when the text is none of these
 */
export function parseWhen(option: string, text: string, now = new Date()): Date {
  const t = text.trim();
  const ago = /^(\d+)([mhdw])$/.exec(t);
  if (ago) return new Date(now.getTime() - Number(ago[1]) * UNIT_MS[ago[2]!]!);
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const d = new Date(`${t}T00:00:00Z`);
    if (!Number.isNaN(d.getTime()) && d.toISOString().startsWith(t)) return d;
  } else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(t)) {
    const iso = t.replace(' ', 'T');
    const d = new Date(/(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new UsageError(
    `invalid ${option} "${text}": use a date (2026-11-01), a date-time (2026-11-01T12:00Z) or a span back from now (24h, 7d, 2w)`,
  );
}
