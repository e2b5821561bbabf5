// `<username>` or `--id <ext_id>` on the command line -> the profile lookup every profile command uses.
// A light module: `show` and `followers` load it without the sync and queue layers.
import { UsageError } from '../errors.ts';
import type { ProfileQuery } from '../providers/types.ts';
import { HANDLE, normalizeUsername } from '../sync/usernames.ts';

/**
 * Builds the profile lookup from the `<username>` argument or `--id`.
 * The username may be `@name` or a profile URL (as in `schedule add`); it is lower-cased.
 * @throws UsageError when both or neither are given, the id is not a decimal number, or the username
 *   is not an Instagram handle (1-30 of `A-Za-z0-9._`), so no provider request is paid for it
 */
export function parseLookup(username: string | undefined, id: string | undefined): ProfileQuery {
  if (username && id) throw new UsageError('give either <username> or --id <ext_id>, not both');
  if (id) {
    if (!/^\d+$/.test(id)) throw new UsageError(`--id must be the provider's numeric user id (got "${id}")`);
    return { id };
  }
  const handle = username ? normalizeUsername(username) : '';
  if (!handle) throw new UsageError('missing <username> (or --id <ext_id>)');
  // Refused before any (paid) provider request: Instagram handles are letters, digits, `.` and `_`.
  if (!HANDLE.test(handle)) {
    throw new UsageError(`invalid username "${printable(handle)}": an Instagram username is 1-30 letters, digits, "." or "_"`);
  }
  // Instagram usernames are case-insensitive; the stored one (and the provider's) is lower case.
  return { username: handle.toLowerCase() };
}

/** Control characters shown as `?` and long input cut to 40 characters, for one-line error messages. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}...` : clean;
}
