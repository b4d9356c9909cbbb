import { TICKER_PATTERN } from '../common/validators';
import { ISO_TIMESTAMP } from '../common/timestamp';
import type { LiveVoteDto } from './dto/vote.dto';

const FIELDS = new Set(['username', 'vote', 'timestamp', 'ticker']);

/** A body's fields, when it is an object with none but `fields`. */
export function onlyFields(
  body: unknown,
  fields: ReadonlySet<string>,
): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  for (const key of Object.keys(body)) if (!fields.has(key)) return undefined;
  return body as Record<string, unknown>;
}

/** A viewer's name as the vote DTOs take it (trimmed, 1 to 100 characters, no NUL), or undefined. */
export function chatUsername(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.includes('\u0000')) return undefined;
  const name = value.trim();
  return name.length >= 1 && name.length <= 100 ? name : undefined;
}

/** A chat message's time as the vote DTOs take it. */
export const isChatTimestamp = (value: unknown): value is string =>
  typeof value === 'string' && ISO_TIMESTAMP.test(value);

/**
 * The live vote body as the validation pipe would return it, when it is one the pipe accepts
 * without a word: exactly LiveVoteDto's fields, each well formed. Anything else answers
 * undefined, and goes through the pipe, which explains what is wrong. A bot sends thousands of
 * these a minute; class-validator costs more than everything else the process does for one.
 */
export function wellFormedLiveVote(body: unknown): LiveVoteDto | undefined {
  const fields = onlyFields(body, FIELDS);
  if (!fields) return undefined;
  const { vote, timestamp, ticker } = fields;
  const username = chatUsername(fields.username);
  if (username === undefined) return undefined;
  if (vote !== 'up' && vote !== 'down') return undefined;
  if (!isChatTimestamp(timestamp)) return undefined;
  if (ticker === undefined || ticker === null) return { username, vote, timestamp };
  if (typeof ticker !== 'string') return undefined;
  const code = ticker.trim().toUpperCase();
  return TICKER_PATTERN.test(code) ? { username, vote, timestamp, ticker: code } : undefined;
}
