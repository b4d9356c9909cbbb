import { MAX_ID } from '../common/validators';

/** The bots' WebSocket protocol: what clients send and the fixed replies. */

export const CLIENT_MESSAGE_TYPES = [
  'auth',
  'subscribe',
  'unsubscribe',
  'ping',
  'poll.leading',
] as const;
export type ClientMessageType = (typeof CLIENT_MESSAGE_TYPES)[number];

/** Routes for frames that are not a known message, so they get an `error` reply rather than silence. */
export const MALFORMED = 'malformed';
export const UNKNOWN = 'unknown';

/** Close codes. 1001 and 1009 are the standard ones; 44xx mirror the HTTP statuses. */
export const CloseCode = {
  GOING_AWAY: 1001,
  UNAUTHORIZED: 4401,
  RATE_LIMITED: 4429,
} as const;

export interface ClientMessage {
  type: string;
  [field: string]: unknown;
}

/**
 * Maps a raw frame to the handler named by its `type`. Never throws: frames that are not a
 * JSON object with a string `type` go to MALFORMED, unknown types to UNKNOWN.
 */
export function parseClientFrame(data: unknown): { event: string; data: unknown } {
  let message: unknown;
  try {
    message = JSON.parse(String(data));
  } catch {
    return { event: MALFORMED, data: 'Message is not valid JSON' };
  }
  if (
    typeof message !== 'object' ||
    message === null ||
    Array.isArray(message) ||
    typeof (message as ClientMessage).type !== 'string'
  ) {
    return { event: MALFORMED, data: 'Message must be a JSON object with a string "type"' };
  }
  const type = (message as ClientMessage).type;
  return (CLIENT_MESSAGE_TYPES as readonly string[]).includes(type)
    ? { event: type, data: message }
    : { event: UNKNOWN, data: type };
}

/** A count or an id that may be 0 (a poll's "Other" has game id 0). */
export const nonNegativeInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_ID;

export const POLL_LEADING_RULE =
  'poll.leading needs sessionId (a positive integer), gameId (0 for "Other", else a game id), label (1 to 200 characters) and votes (0 or more)';

/** A positive integer that fits an \`integer\` id column. */
export const positiveInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= MAX_ID;
