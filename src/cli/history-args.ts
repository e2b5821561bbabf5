// Argument checks of the history commands (`show`, `followers`, `runs`): one-line usage errors.
import { UsageError } from '../errors.ts';

/** A whole number >= 1. @throws UsageError naming the option */
export function positiveInt(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${option} must be a whole number >= 1 (got "${value}")`);
  return n;
}

/** One of `allowed` (case-insensitive). @throws UsageError listing the allowed values */
export function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  const v = value.toLowerCase() as T;
  if (!allowed.includes(v)) throw new UsageError(`invalid ${option} "${value}": one of ${allowed.join(', ')}`);
  return v;
}
