import { describe, expect, it } from 'vitest';
import { parseJson } from '../../src/providers/json.ts';
import { cleanString, rawBodyPreview, sanitize, truncate } from '../../src/providers/sanitize.ts';

describe('parseJson (C04: ids above 2^53)', () => {
  it('keeps unquoted unsafe integers as their exact source text', () => {
    const v = parseJson('{"users":[{"pk":17841401234567891,"username":"big.id"}],"next_max_id":17841401234567891}') as {
      users: Array<{ pk: unknown }>;
      next_max_id: unknown;
    };
    expect(v.users[0]!.pk).toBe('17841401234567891');
    expect(v.next_max_id).toBe('17841401234567891');
  });

  it('leaves safe integers, fractions and negative safe numbers as numbers; negative unsafe as text', () => {
    expect(parseJson('[9100000101, 1.5, -12, 9007199254740991, 9007199254740992, -9007199254740993]')).toEqual([
      9100000101,
      1.5,
      -12,
      9007199254740991,
      '9007199254740992',
      '-9007199254740993',
    ]);
  });

  it('keeps fixture ids that JSON.parse would round (fbid_v2 17841400000000213)', () => {
    expect(String(JSON.parse('{"x":17841400000000213}').x)).toBe('17841400000000212');
    expect((parseJson('{"x":17841400000000213}') as { x: unknown }).x).toBe('17841400000000213');
  });
});

describe('sanitize (C01-C03)', () => {
  it('C01: removes NUL from a follower full_name and counts it', () => {
    const parsed = parseJson('{"pk":"9000000001","username":"nul.user","full_name":"Ann\\u0000a"}');
    const { value, cleaned } = sanitize(parsed);
    expect(value).toEqual({ pk: '9000000001', username: 'nul.user', full_name: 'Anna' });
    expect(cleaned).toBe(1);
  });

  it('C02: cleans a real NUL but keeps a literal backslash-u typed by a person', () => {
    const parsed = parseJson('[{"biography":"hi\\u0000there"},{"biography":"\\\\u0000"}]');
    const { value, cleaned } = sanitize(parsed) as { value: Array<{ biography: string }>; cleaned: number };
    expect(value[0]!.biography).toBe('hithere');
    expect(value[1]!.biography).toBe('\\u0000');
    expect(value[1]!.biography).toHaveLength(6);
    expect(cleaned).toBe(1);
  });

  it('C02: cleans keys too, and keeps __proto__ as an own key', () => {
    const { value, cleaned } = sanitize(parseJson('{"a\\u0000b":1,"__proto__":{"x":"y\\u0000"}}') as object);
    expect(Object.keys(value)).toEqual(['ab', '__proto__']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(cleaned).toBe(2);
  });

  it('C03: replaces a lone surrogate with U+FFFD and leaves emoji byte-exact', () => {
    const parsed = parseJson('["Zoe \\ud83d","Zoe \\ud83d\\ude00","x\\udc00y"]');
    const { value, cleaned } = sanitize(parsed) as { value: string[]; cleaned: number };
    expect(value[0]).toBe('Zoe \uFFFD');
    expect(Buffer.from(value[1]!, 'utf8')).toEqual(Buffer.from('Zoe 😀', 'utf8'));
    expect(Buffer.from(value[1]!, 'utf8').toString('hex')).toBe('5a6f6520f09f9880');
    expect(value[2]).toBe('x\uFFFDy');
    expect(cleaned).toBe(2);
  });

  it('cleanString reports unchanged strings as 0', () => {
    expect(cleanString('Sunny ☀️ Side')).toEqual({ value: 'Sunny ☀️ Side', cleaned: 0 });
  });
});

describe('truncate cuts on code-point boundaries (C03)', () => {
  it('never halves a surrogate pair', () => {
    const s = 'ab😀cd';
    for (let n = 1; n <= s.length; n++) expect(truncate(s, n).isWellFormed()).toBe(true);
    expect(truncate(s, 4)).toBe('ab…');
    expect(truncate(s, 5)).toBe('ab😀…');
    expect(truncate(s, 6)).toBe(s);
  });

  it('rawBodyPreview cleans and cuts', () => {
    const body = `${'x'.repeat(5000)}\u0000`;
    const preview = rawBodyPreview(body);
    expect(preview.length).toBe(4096);
    expect(preview.endsWith('…')).toBe(true);
    expect(rawBodyPreview('a\u0000b')).toBe('ab');
  });
});
