// Text hygiene for provider payloads: walks parsed values (keys too), never the serialized text.

/** A cleaned value and how many strings had to change. */
export interface Sanitized<T> {
  value: T;
  /** Number of strings (values or keys) that held U+0000 or a lone surrogate. */
  cleaned: number;
}

/**
 * Cleans one string: removes U+0000 (Postgres rejects it in text and jsonb: SQLSTATE 22021 / 22P05)
 * and replaces lone UTF-16 surrogates with U+FFFD, so text and jsonb store the same characters
 * (CASES.md C01, C03). A person's literal backslash-u text is untouched (C02).
 */
export function cleanString(s: string): Sanitized<string> {
  let out = s;
  if (out.includes('\u0000')) out = out.replaceAll('\u0000', '');
  if (!out.isWellFormed()) out = out.toWellFormed();
  return { value: out, cleaned: out === s ? 0 : 1 };
}

/**
 * Deep-cleans a parsed JSON value (strings, array items, object keys and values) with
 * {@link cleanString}. Returns new arrays and objects (Object.fromEntries, so a `__proto__` key stays
 * an own property). When two keys clean to the same text, the later one wins.
 */
export function sanitize<T>(value: T): Sanitized<T> {
  let cleaned = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const r = cleanString(v);
      cleaned += r.cleaned;
      return r.value;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, item]) => {
          const key = cleanString(k);
          cleaned += key.cleaned;
          return [key.value, walk(item)];
        }),
      );
    }
    return v;
  };
  const out = walk(value) as T;
  return { value: out, cleaned };
}

/**
 * Cuts `s` to at most `maxUnits` UTF-16 code units without splitting a surrogate pair (a code point
 * is never halved, so the result stays well-formed), appending `…` when it cut.
 */
export function truncate(s: string, maxUnits: number): string {
  if (s.length <= maxUnits) return s;
  let end = Math.max(0, maxUnits - 1);
  const last = s.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${s.slice(0, end)}…`;
}

/** Raw body kept on invalid responses: cleaned and cut to 4,096 code units on a code-point boundary. */
export function rawBodyPreview(text: string, maxUnits = 4096): string {
  return truncate(cleanString(text).value, maxUnits);
}
