import { TICKER_PATTERN } from '../common/validators';

/** One option of a poll with its current votes. */
export interface OptionStanding {
  /** Its number, as viewers type it (from 1). */
  option: number;
  /** The catalog game; null for "Other" and other labels. */
  game_id: number | null;
  label: string;
  ticker: string | null;
  votes: number;
  /**
   * The sequence number of the newest of its current votes: when it reached its count. Null
   * without votes.
   */
  reached: bigint | null;
}

/**
 * The option ahead: the most votes; between equals, the one that reached that count first
 * (the newest of its votes came earliest). Null while nobody has voted.
 */
export function leaderOf(options: OptionStanding[]): OptionStanding | null {
  let leader: OptionStanding | null = null;
  for (const option of options) {
    if (option.votes === 0 || option.reached === null) continue;
    if (
      !leader ||
      option.votes > leader.votes ||
      (option.votes === leader.votes && option.reached < leader.reached!)
    ) {
      leader = option;
    }
  }
  return leader;
}

/** What a viewer typed to pick an option: its number, or a game's ticker. */
export type OptionChoice = { position: number; ticker: null } | { position: null; ticker: string };

export const OPTION_RULE =
  'option must be an option number (1, 2, ...) or the ticker of a game in the poll';

/** Reads an option as chat types it: `2`, `"2"`, `" fib4 "`. Undefined when it is neither. */
export function parseOption(value: unknown): OptionChoice | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 1 && value <= 100
      ? { position: value, ticker: null }
      : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d{1,3}$/.test(text)) return parseOption(Number(text));
  const ticker = text.toUpperCase();
  return TICKER_PATTERN.test(ticker) ? { position: null, ticker } : undefined;
}
