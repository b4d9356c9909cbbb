/**
 * Waits after failed attempts 1..7. The worker stretches the last one to the day mark of the
 * webhook's failing streak, so the 8th attempt comes a day after the first failure and, if it
 * fails too, gives up and disables the webhook.
 */
export const RETRY_DELAYS_MS = [
  10_000,
  60_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** A receiver that keeps failing for this long gets its webhook disabled. */
export const DISABLE_AFTER_FAILING_MS = 24 * 3_600_000;
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** The wait after failed attempt `attempt` (1-based), with +-20 % jitter so retries spread out. */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const base = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length) - 1];
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** A `Retry-After` header (seconds or an HTTP date) in ms from `now`, capped at a day. */
export function parseRetryAfter(header: string | undefined, now: Date): number | undefined {
  if (!header) return undefined;
  const ms = /^\d+$/.test(header.trim())
    ? Number(header.trim()) * 1000
    : Date.parse(header) - now.getTime();
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}
