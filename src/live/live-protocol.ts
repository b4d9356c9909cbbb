import { MAX_ID } from '../common/validators';

/** The bots' WebSocket protocol: what clients send and the fixed replies. */

export const CLIENT_MESSAGE_TYPES = [
  'auth',
  'subscribe',
  'unsubscribe',
  'ping',
  'page_focus',
] as const;
export type ClientMessageType = (typeof CLIENT_MESSAGE_TYPES)[number];

/** `page_focus`: an admin's UI says which page it shows (a path such as `/history/12`). */
export const MAX_PAGE_LENGTH = 200;

/** One admin at the controls, as `presence_update` lists them. */
export interface PresenceEntry {
  /** The admin's name (from their login). */
  name: string;
  /** The page they focused last, across all their sockets. */
  page: string;
  /** When they focused it (ISO 8601). */
  since: string;
}

/**
 * Live-only messages the server sends that are not events: never stored, replayed or
 * delivered to webhooks, and carrying no event id.
 */
export interface LiveOnlyMessages {
  /** To every authenticated socket, whenever the admins present or their pages change. */
  presence_update: { admins: PresenceEntry[] };
}

export type LiveOnlyMessage<T extends keyof LiveOnlyMessages> = {
  type: T;
  timestamp: string;
  data: LiveOnlyMessages[T];
};

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

/** A positive integer that fits an \`integer\` id column. */
export const positiveInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= MAX_ID;
