// One page of a keyset-paged list for the API (mutuals' accounts, overlap's shared followers): the
// rows and the cursor of the next page, given only when a row follows (the CLI streams instead).

/** Reads one page of at most `limit` rows, and `next` only when a row follows it (one probe row). */
export async function readOnePage<T>(
  read: (afterId: string | null, size: number) => Promise<{ rows: T[]; lastId: string | null }>,
  after: string | null,
  limit: number,
): Promise<{ rows: T[]; next: string | null }> {
  const { rows, lastId } = await read(after, limit);
  if (lastId === null) return { rows, next: null };
  const probe = await read(lastId, 1);
  return { rows, next: probe.rows.length > 0 ? lastId : null };
}
