// CSV output (RFC 4180): comma-separated, CRLF-free lines ending in \n, fields quoted when needed.

/** One CSV field: quoted when it holds a comma, a quote, CR or LF (quotes doubled); null is empty. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line (with its trailing newline). */
export function csvLine(fields: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return `${fields.map(csvField).join(',')}\n`;
}
