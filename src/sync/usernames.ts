// Instagram usernames as people type them (`@name`, profile URLs): the one rule for the command line
// and schedule files. Kept apart from schedule-file.ts so commands that only look a profile up load no
// CSV, zod or cron modules.

/** Instagram handle: letters, digits, `.` and `_`, at most 30 (also accepted: `@name`, a profile URL). */
export const HANDLE = /^[A-Za-z0-9._]{1,30}$/;

/** `@anna.k`, `https://www.instagram.com/anna.k/` -> `anna.k`; anything else is returned trimmed. */
export function normalizeUsername(input: string): string {
  const text = input.trim();
  const url = /^(?:https?:\/\/)?(?:www\.)?instagram\.com\/([^/?#\s]+)\/?(?:[?#].*)?$/i.exec(text);
  return (url ? url[1]! : text).replace(/^@/, '');
}
