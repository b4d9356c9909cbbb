import {
  DISABLE_AFTER_FAILING_MS,
  MAX_ATTEMPTS,
  parseRetryAfter,
  retryDelay,
  RETRY_DELAYS_MS,
} from './retry-schedule';

describe('retry schedule', () => {
  it('waits 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then gives up after 8 attempts', () => {
    expect(RETRY_DELAYS_MS.map((_, i) => retryDelay(i + 1, () => 0.5))).toEqual([
      10_000, 60_000, 300_000, 1_800_000, 7_200_000, 21_600_000, 43_200_000,
    ]);
    expect(MAX_ATTEMPTS).toBe(8);
    const total = RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeGreaterThan(20);
  });

  it('jitters by at most 20 % either way', () => {
    expect(retryDelay(1, () => 0)).toBe(8_000);
    expect(retryDelay(1, () => 0.999999)).toBeLessThanOrEqual(12_000);
  });

  it('reads Retry-After as seconds or a date, and ignores nonsense', () => {
    const now = new Date('2026-11-27T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Fri, 27 Nov 2026 12:05:00 GMT', now)).toBe(300_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('999999999', now)).toBe(24 * 3_600_000);
  });
});

describe('retry schedule edges', () => {
  const now = new Date('2026-11-27T12:00:00Z');

  it.each([8, 9, 100])(
    'waits the last delay, 12 h, after attempt %d beyond the table',
    (attempt) => {
      expect(retryDelay(attempt, () => 0.5)).toBe(12 * 3_600_000);
    },
  );

  // 0.8 and 1.2 times 12 h.
  it('jitters the last delay like the others', () => {
    expect(retryDelay(20, () => 0)).toBe(34_560_000);
    expect(retryDelay(20, () => 1)).toBe(51_840_000);
  });

  it('returns whole milliseconds', () => {
    expect(Number.isInteger(retryDelay(1, () => 0.123456789))).toBe(true);
  });

  it('disables a receiver that keeps failing for a day', () => {
    expect(DISABLE_AFTER_FAILING_MS).toBe(24 * 3_600_000);
  });

  it('reads a Retry-After with surrounding spaces', () => {
    expect(parseRetryAfter(' 30 ', now)).toBe(30_000);
  });

  it.each([
    ['zero seconds', '0'],
    ['a date already past', 'Fri, 27 Nov 2026 11:55:00 GMT'],
    ['the current instant', 'Fri, 27 Nov 2026 12:00:00 GMT'],
    ['a negative number', '-5'],
    ['seconds with a unit', '120s'],
    ['the empty string', ''],
  ])('ignores %s (%j), leaving the schedule to decide', (_what, header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });

  it('caps a far-off date at a day', () => {
    expect(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', now)).toBe(24 * 3_600_000);
  });
});
