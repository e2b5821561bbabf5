// int8 / numeric values come back from both drivers as strings (ids must never be rounded).
// Counts leave the product as JSON numbers, but only after a safe-integer check (CASES.md C18).

/**
 * Converts an int8 count (string, number or null) to a number.
 * @returns null for null/undefined
 * @throws RangeError when the value is not an integer within ±(2^53 - 1)
 */
export function countFromInt8(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`count ${String(value)} is not a safe integer`);
  return n;
}

/** Converts an int8 id to its decimal string (ids stay strings end to end). */
export function idFromInt8(value: string | number | bigint): string {
  return typeof value === 'string' ? value : String(value);
}
