// @ts-check
/**
 * Chat lines in, votes out: what a line says, and which vote (if any) it casts. Pure functions,
 * so any chat source (stdin, an IRC client, a Twitch library) can feed the bot.
 */

/** @typedef {{ username: string, message: string, timestamp: string }} ChatLine */
/** @typedef {{ vote: 'up' | 'down', ticker?: string }} ChatVote */

/** `2025-11-01T20:30:00Z alice: message`: the time the message was said, then who said it. */
const STAMPED = /^(\d{4}-\d{2}-\d{2}T\S+)\s+([^\s:][^:]*):\s?(.*)$/;
/** `alice: message`, timed when the bot reads it. */
const PLAIN = /^([^\s:][^:]*):\s?(.*)$/;

/**
 * Reads one chat line: JSON `{"username", "message", "timestamp"}`, or
 * `<ISO time> <user>: <message>`, or `<user>: <message>` (then the time is `now`).
 * @param {string} line
 * @param {Date} [now]
 * @returns {ChatLine | undefined}
 */
export function parseChatLine(line, now = new Date()) {
  const text = line.trim();
  if (text === '') return undefined;
  if (text.startsWith('{')) return parseJsonLine(text);
  const stamped = STAMPED.exec(text);
  if (stamped && !Number.isNaN(Date.parse(stamped[1]))) {
    return { timestamp: stamped[1], username: stamped[2].trim(), message: stamped[3] };
  }
  const plain = PLAIN.exec(text);
  if (plain) return { timestamp: now.toISOString(), username: plain[1].trim(), message: plain[2] };
  return undefined;
}

/** @param {string} text */
function parseJsonLine(text) {
  try {
    const value = /** @type {unknown} */ (JSON.parse(text));
    if (typeof value !== 'object' || value === null) return undefined;
    const { username, message, timestamp } = /** @type {Record<string, unknown>} */ (value);
    if (typeof username !== 'string' || typeof message !== 'string') return undefined;
    if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))) return undefined;
    return { username, message, timestamp };
  } catch {
    return undefined;
  }
}

/** A word of 2 to 6 letters or digits right before `++` or `--`, as the server's tickers are. */
const TICKER_VOTE = /(?<![A-Za-z0-9])([A-Za-z0-9]{2,6})(\+\+|--)(?![+-])/g;

/**
 * The vote a message casts: `thisgame++` / `thisgame--` anywhere, any case (`++` wins when both
 * appear, as the server's chat import decides), else the first `TICKER++` / `TICKER--` naming
 * a ticker of the catalog. One vote per message: the server refuses a user's second vote
 * within a second anyway.
 * @param {string} message
 * @param {ReadonlySet<string>} tickers the catalog's tickers, upper case
 * @returns {ChatVote | undefined}
 */
export function voteIn(message, tickers) {
  const text = message.toLowerCase();
  if (text.includes('thisgame++')) return { vote: 'up' };
  if (text.includes('thisgame--')) return { vote: 'down' };
  for (const [, word, sign] of message.matchAll(TICKER_VOTE)) {
    const ticker = word.toUpperCase();
    if (tickers.has(ticker)) return { vote: sign === '++' ? 'up' : 'down', ticker };
  }
  return undefined;
}
