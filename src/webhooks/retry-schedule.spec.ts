import { MAX_ATTEMPTS, parseRetryAfter, retryDelay, RETRY_DELAYS_MS } from './retry-schedule';

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
