// Type drift in provider records (issue 13 §2): minor fields of another type are coerced and counted,
// the raw payload keeps them as they came, and only an unusable id or username quarantines a record.
import { describe, expect, it } from 'vitest';
import { asCount, asFlag, asText, profileUserSchema, toFollowerRecords, toProfileResult } from '../../src/providers/records.ts';

describe('coercing minor fields', () => {
  it('flags from booleans, 0/1 and words; anything else is absent; every change counted', () => {
    const tally = { coerced: 0 };
    const read = (v: unknown) => asFlag(v, tally);
    expect([true, false, null, undefined].map(read)).toEqual([true, false, undefined, undefined]);
    expect(tally.coerced).toBe(0);
    expect([0, 1, '0', '1', 'true', 'FALSE', 'yes', 'No', ' y '].map(read)).toEqual([
      false,
      true,
      false,
      true,
      true,
      false,
      true,
      false,
      true,
    ]);
    expect([2, 'maybe', {}, []].map(read)).toEqual([undefined, undefined, undefined, undefined]);
    expect(tally.coerced).toBe(13);
  });

  it('text from numbers and booleans; counts from digit strings; objects dropped', () => {
    const tally = { coerced: 0 };
    expect([asText('Ann', tally), asText(12345, tally), asText(true, tally), asText({ a: 1 }, tally), asText(null, tally)]).toEqual([
      'Ann',
      '12345',
      'true',
      null,
      null,
    ]);
    expect(tally.coerced).toBe(3);
    expect([asCount(62, tally), asCount('212526', tally), asCount('1,234', tally), asCount(-1, tally), asCount('n/a', tally)]).toEqual([
      62,
      212_526,
      1_234,
      null,
      null,
    ]);
    expect(tally.coerced).toBe(7);
  });
});

describe('list users', () => {
  it('keeps followers whose id and username are usable, whatever their minor fields; quarantines the rest', () => {
    const items = [
      { pk: '1', username: 'a', is_private: 0 },
      { pk: '2', username: 'b', is_verified: 1 },
      { pk: '3', username: 'c', full_name: 12345 },
      { pk: '4', username: 'd', is_private: 'yes', profile_pic_url: null },
      { pk: '5', username: 123456 },
      { pk: '6' },
      { pk: 'x', username: 'no.id' },
    ];
    const page = toFollowerRecords(items);
    expect(page.users.map((u) => [u.extId, u.username, u.fullName, u.isPrivate, u.isVerified])).toEqual([
      ['1', 'a', null, false, false],
      ['2', 'b', null, false, true],
      ['3', 'c', '12345', false, false],
      ['4', 'd', null, true, false],
      ['5', '123456', null, false, false],
    ]);
    expect(page.users[2]!.raw).toEqual({ pk: '3', username: 'c', full_name: 12345 });
    expect(page.coerced).toBe(5);
    expect(page.quarantined.map((q) => q.raw)).toEqual([{ pk: '6' }, { pk: 'x', username: 'no.id' }]);
  });
});

describe('profiles', () => {
  it('coerces counts and flags of a drifted profile instead of refusing it', () => {
    const raw = {
      id: '77',
      username: 'drift',
      is_private: 'false',
      is_verified: 1,
      follower_count: '1200',
      following_count: 5,
      media_count: null,
    };
    const parsed = profileUserSchema.safeParse(raw);
    expect(parsed.success).toBe(true);
    const result = toProfileResult(parsed.data!, raw, 0);
    expect(result.profile).toMatchObject({ extId: '77', isPrivate: false, isVerified: true, followersCount: 1200, followsCount: 5 });
    expect(result.coerced).toBe(3);
  });
});
