import { TICKER_PATTERN } from '../common/validators';
import { ISO_TIMESTAMP } from '../common/timestamp';
import type { LiveVoteDto } from './dto/vote.dto';

const FIELDS = new Set(['username', 'vote', 'timestamp', 'ticker']);

/**
 * The live vote body as the validation pipe would return it, when it is one the pipe accepts
 * without a word: exactly LiveVoteDto's fields, each well formed. Anything else answers
 * undefined, and goes through the pipe, which explains what is wrong. A bot sends thousands of
 * these a minute; class-validator costs more than everything else the process does for one.
 */
export function wellFormedLiveVote(body: unknown): LiveVoteDto | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  for (const key of Object.keys(body)) if (!FIELDS.has(key)) return undefined;
  const { username, vote, timestamp, ticker } = body as Record<string, unknown>;
  if (typeof username !== 'string' || username.includes('\u0000')) return undefined;
  const name = username.trim();
  if (name.length < 1 || name.length > 100) return undefined;
  if (vote !== 'up' && vote !== 'down') return undefined;
  if (typeof timestamp !== 'string' || !ISO_TIMESTAMP.test(timestamp)) return undefined;
  if (ticker === undefined || ticker === null) return { username: name, vote, timestamp };
  if (typeof ticker !== 'string') return undefined;
  const code = ticker.trim().toUpperCase();
  return TICKER_PATTERN.test(code) ? { username: name, vote, timestamp, ticker: code } : undefined;
}
