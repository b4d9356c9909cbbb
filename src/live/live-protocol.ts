import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MAX_ID } from '../common/validators';
import type { DomainEvent, EventType } from '../events/event-types';

/**
 * The bots' WebSocket protocol: the path, what clients send, what the server answers, how it
 * closes. The schemas below are the wire format; the gateway routes by `CLIENT_MESSAGES`, builds
 * its replies with `serverMessage`, and the AsyncAPI document (src/asyncapi/) is generated from
 * all of it, so the document cannot describe a message the gateway does not know or miss one it
 * sends.
 *
 * Adding a client message: add its entry here (schema, replies) and a `@SubscribeMessage` handler
 * of the same name in the gateway (a test checks they match). Adding a reply: add it to
 * `SERVER_MESSAGES` and build it with `serverMessage`. Then run `npm run docs:asyncapi`.
 */

export const LIVE_PATH = '/api/sessions/live';
/** `page_focus`: an admin's UI says which page it shows (a path such as `/history/12`). */
export const MAX_PAGE_LENGTH = 200;
/** Frames over this size close the connection with 1009. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

const exact = { additionalProperties: false } as const;
/** A client message: fields it does not know are ignored by the server. */
const message = <T extends string, F extends Record<string, TSchema>>(type: T, fields: F) =>
  Type.Object({ type: Type.Literal(type), ...fields });
/** A server message carries exactly its declared fields. */
const reply = <T extends string, F extends Record<string, TSchema>>(type: T, fields: F) =>
  Type.Object({ type: Type.Literal(type), ...fields }, exact);
const SessionId = Type.Integer({
  minimum: 1,
  maximum: MAX_ID,
  description: 'The session, as in `/api/sessions/{id}`.',
});
const Text = (description: string) => Type.String({ description });

export interface ClientMessageDefinition {
  summary: string;
  description: string;
  schema: TSchema;
  /** The server messages that answer it. */
  replies: readonly ServerMessageType[];
  examples: readonly Record<string, unknown>[];
}

export interface ServerMessageDefinition {
  summary: string;
  description?: string;
  schema: TSchema;
  examples: readonly Record<string, unknown>[];
}

/** What the server sends in answer to a client message (events are described by the registry). */
export const SERVER_MESSAGES = {
  auth_success: {
    summary: 'The token was accepted.',
    description:
      'The socket may now subscribe, and receives `session.started` events. It stays open until the token expires, then closes with 4401.',
    schema: reply('auth_success', { message: Text('Human-readable confirmation.') }),
    examples: [{ type: 'auth_success', message: 'Authenticated successfully' }],
  },
  auth_error: {
    summary: 'The token was missing, invalid or expired.',
    description:
      'The socket stays open: send `auth` again with a fresh token from `POST /api/auth/login`.',
    schema: reply('auth_error', { message: Text('Why the token was refused.') }),
    examples: [{ type: 'auth_error', message: 'Invalid or expired token' }],
  },
  subscribed: {
    summary: "The socket now receives the session's events.",
    description:
      'Sent once every event committed from then on is sure to reach the socket. With `lastEventId`, the replay of what was missed follows it, then live events, with no gap and no duplicate at the seam.',
    schema: reply('subscribed', {
      sessionId: SessionId,
      message: Text('Human-readable confirmation.'),
    }),
    examples: [{ type: 'subscribed', sessionId: 12, message: 'Subscribed to session 12' }],
  },
  unsubscribed: {
    summary: "The socket no longer receives the session's events.",
    schema: reply('unsubscribed', {
      sessionId: SessionId,
      message: Text('Human-readable confirmation.'),
    }),
    examples: [{ type: 'unsubscribed', sessionId: 12, message: 'Unsubscribed from session 12' }],
  },
  pong: {
    summary: 'The answer to `ping`.',
    schema: reply('pong', {}),
    examples: [{ type: 'pong' }],
  },
  error: {
    summary: 'A message could not be handled; the socket stays open.',
    description:
      'Answers malformed JSON, a frame that is not an object with a string `type`, an unknown type, anything but `auth` or `ping` before authenticating, bad fields, an unknown session, and a database outage (`The database is unavailable right now; try again in a few seconds`).',
    schema: reply('error', { message: Text('What went wrong, in words a bot author can act on.') }),
    examples: [
      { type: 'error', message: 'sessionId must be a positive integer' },
      { type: 'error', message: 'Session 99 not found' },
    ],
  },
  presence_update: {
    summary: 'The named admins at the controls, and the page each one shows.',
    description:
      'To every authenticated socket whenever the list changes (live only: not stored, not replayed, no event id), and in answer to a `page_focus` that changes nothing.',
    schema: reply('presence_update', {
      timestamp: Type.String({ format: 'date-time', description: 'When the list was sent.' }),
      data: Type.Object(
        {
          admins: Type.Array(
            Type.Object(
              {
                name: Text("The admin's name, from their login."),
                page: Text('The page they focused last, across all their sockets.'),
                since: Type.String({ format: 'date-time', description: 'When they focused it.' }),
              },
              exact,
            ),
          ),
        },
        exact,
      ),
    }),
    examples: [
      {
        type: 'presence_update',
        timestamp: '2026-11-27T20:31:00.000Z',
        data: {
          admins: [{ name: 'Alice', page: '/history/12', since: '2026-11-27T20:30:00.000Z' }],
        },
      },
    ],
  },
} as const satisfies Record<string, ServerMessageDefinition>;

export type ServerMessageType = keyof typeof SERVER_MESSAGES;
export type ServerMessage<T extends ServerMessageType> = Static<
  (typeof SERVER_MESSAGES)[T]['schema']
>;

/** A reply, typed by its schema. */
export function serverMessage<T extends ServerMessageType>(
  type: T,
  fields: Omit<ServerMessage<T>, 'type'>,
): ServerMessage<T> {
  return { type, ...fields } as ServerMessage<T>;
}

/** What clients send. The gateway has one handler per entry. */
export const CLIENT_MESSAGES = {
  auth: {
    summary: 'Authenticate with a token from `POST /api/auth/login`.',
    description:
      "Must come first, within `WS_AUTH_TIMEOUT_MS` (10 s by default) of connecting, or the socket is closed with 4401. Sending it again with a new token (before the old one expires) extends the socket's life to the new token's expiry.",
    schema: message('auth', { token: Type.String({ minLength: 1, description: 'The JWT.' }) }),
    replies: ['auth_success', 'auth_error'],
    examples: [{ type: 'auth', token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...' }],
  },
  subscribe: {
    summary: "Receive a session's events; with `lastEventId`, first those missed since then.",
    description:
      "Resume: keep the `id` of the last event received, and after a reconnect subscribe with it as `lastEventId`. The server replays the session's events committed after it, in commit order, then sends live ones, with no gap and no duplicate at the seam, even for an event that committed after one with a higher id (ids are unique but need not increase: compare them for equality, never for order). Events are kept `EVENT_RETENTION_HOURS` (168 by default). Subscribing again to a session without `lastEventId` only confirms the subscription.",
    schema: message('subscribe', {
      sessionId: SessionId,
      lastEventId: Type.Optional(
        Type.Integer({
          minimum: 0,
          description: 'The `id` of the last event received from this session, to resume after it.',
        }),
      ),
    }),
    replies: ['subscribed', 'error'],
    examples: [
      { type: 'subscribe', sessionId: 12 },
      { type: 'subscribe', sessionId: 12, lastEventId: 456 },
    ],
  },
  unsubscribe: {
    summary: "Stop receiving a session's events.",
    description: 'Answers `error` when the socket was not subscribed to the session.',
    schema: message('unsubscribe', { sessionId: SessionId }),
    replies: ['unsubscribed', 'error'],
    examples: [{ type: 'unsubscribe', sessionId: 12 }],
  },
  ping: {
    summary: 'An application-level ping; the server answers `pong`.',
    description:
      'Allowed before `auth`. Independent of the protocol-level pings the server sends every `WS_HEARTBEAT_MS`, which WebSocket libraries answer by themselves.',
    schema: message('ping', {}),
    replies: ['pong'],
    examples: [{ type: 'ping' }],
  },
  page_focus: {
    summary: "A named admin's UI says which page it shows (admin presence).",
    description:
      "Only from a socket authenticated with a named admin's token. When the admins present or their pages change, every authenticated socket (on every instance) receives `presence_update`; a focus that changes nothing is answered with the list as it stands. An admin whose sockets all close, or stay silent for `PRESENCE_TIMEOUT_MS`, drops out.",
    schema: message('page_focus', {
      page: Type.String({
        minLength: 1,
        maxLength: MAX_PAGE_LENGTH,
        pattern: '\\S',
        description: 'The page shown, such as `/history/12` (not only spaces).',
      }),
    }),
    replies: ['presence_update', 'error'],
    examples: [{ type: 'page_focus', page: '/history/12' }],
  },
  'poll.leading': {
    summary: "An external vote counter announces its poll's leader.",
    description:
      "Relayed to the session's subscribers as a `poll.leading` event (stored like any event, so it replays and reaches webhooks). Only from an authenticated socket; answered only with `error` when a field is wrong or the session does not exist.",
    schema: message('poll.leading', {
      sessionId: SessionId,
      gameId: Type.Integer({
        minimum: 0,
        maximum: MAX_ID,
        description: 'The leading game, or 0 for "Other" or an option that is only a label.',
      }),
      label: Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: '^[^\\u0000]*$',
        description: 'What the option says (no NUL characters).',
      }),
      votes: Type.Integer({ minimum: 0, maximum: MAX_ID, description: 'Its votes so far.' }),
    }),
    replies: ['error'],
    examples: [{ type: 'poll.leading', sessionId: 12, gameId: 45, label: 'Fibbage 4', votes: 17 }],
  },
} as const satisfies Record<string, ClientMessageDefinition>;

export type ClientMessageType = keyof typeof CLIENT_MESSAGES;
export const CLIENT_MESSAGE_TYPES = Object.keys(CLIENT_MESSAGES) as ClientMessageType[];

/** One admin at the controls, as `presence_update` lists them. */
export type PresenceEntry = ServerMessage<'presence_update'>['data']['admins'][number];

/** Routes for frames that are not a known message, so they get an `error` reply rather than silence. */
export const MALFORMED = 'malformed';
export const UNKNOWN = 'unknown';

/** Close codes. 1001 and 1009 are the standard ones; 44xx mirror the HTTP statuses. */
export const CloseCode = {
  GOING_AWAY: 1001,
  MESSAGE_TOO_BIG: 1009,
  UNAUTHORIZED: 4401,
  RATE_LIMITED: 4429,
} as const;
export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

/** What each close code means to a bot, and what to do about it. */
export const CLOSE_CODE_MEANINGS: Record<CloseCodeValue, string> = {
  [CloseCode.GOING_AWAY]:
    'The server is shutting down (reason `Server shutting down`): reconnect, to any instance, and resume with `lastEventId`.',
  [CloseCode.MESSAGE_TOO_BIG]: `A frame was larger than ${MAX_PAYLOAD_BYTES / 1024} KiB.`,
  [CloseCode.UNAUTHORIZED]:
    'Not authenticated within `WS_AUTH_TIMEOUT_MS` (reason `Authentication timeout`), or the token expired (reason `Token expired`): log in again, reconnect and resume.',
  [CloseCode.RATE_LIMITED]:
    'More than `WS_MESSAGES_PER_10S` messages (100 by default) in 10 seconds (reason `Too many messages`).',
};

/**
 * A socket the server drops gets no close frame (it is not reading, or not answering pings), so
 * its client reports 1006.
 */
export const DROPPED_CONNECTION =
  'No close frame (the client reports 1006): the socket stopped answering protocol pings for two `WS_HEARTBEAT_MS` intervals, fell 10,000 events behind, or had more than `WS_MAX_BUFFERED_BYTES` unread when a message other than a session event was due. Reconnect and resume with `lastEventId`.';

/** An event as the WebSocket sends it: the registry's payload in an envelope. */
export function liveEventSchema(type: string, payload: TSchema): TSchema {
  return Type.Object(
    {
      type: Type.Literal(type),
      id: Type.Integer({
        minimum: 1,
        description:
          'Unique, but need not increase: compare for equality only. Keep the last one for `lastEventId`.',
      }),
      timestamp: Type.String({ format: 'date-time', description: 'When the event was recorded.' }),
      data: payload,
    },
    exact,
  );
}

export interface LiveEventMessage {
  type: EventType;
  id: number;
  timestamp: string;
  data: unknown;
}

/** The frame an event goes out as (see `liveEventSchema`). */
export function liveEventMessage(event: DomainEvent): LiveEventMessage {
  return {
    type: event.type,
    id: event.id,
    timestamp: event.createdAt.toISOString(),
    data: event.payload,
  };
}

/** A live-only message (see LIVE_MESSAGE_REGISTRY): no `id`, never stored or replayed. */
export function liveOnlySchema(type: string, payload: TSchema): TSchema {
  return Type.Object(
    {
      type: Type.Literal(type),
      timestamp: Type.String({ format: 'date-time', description: 'When it was sent.' }),
      data: payload,
    },
    exact,
  );
}

export interface ClientMessage {
  type: string;
  [field: string]: unknown;
}

/**
 * Maps a raw frame to the handler named by its `type`. Never throws: frames that are not a
 * JSON object with a string `type` go to MALFORMED, unknown types to UNKNOWN.
 */
export function parseClientFrame(data: unknown): { event: string; data: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(data));
  } catch {
    return { event: MALFORMED, data: 'Message is not valid JSON' };
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    typeof (parsed as ClientMessage).type !== 'string'
  ) {
    return { event: MALFORMED, data: 'Message must be a JSON object with a string "type"' };
  }
  const type = (parsed as ClientMessage).type;
  return Object.hasOwn(CLIENT_MESSAGES, type)
    ? { event: type, data: parsed }
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

/** What the server accepts as a `page_focus` page (the message's schema says the same). */
export const validPage = (page: unknown): page is string =>
  typeof page === 'string' && page.trim() !== '' && page.length <= MAX_PAGE_LENGTH;

export const PAGE_RULE = `page must be a non-empty string of at most ${MAX_PAGE_LENGTH} characters`;

/** What the server accepts as a `poll.leading` (the message's schema says the same). */
export function validPollLeading(
  message: Record<string, unknown>,
): message is { sessionId: number; gameId: number; label: string; votes: number } {
  const { sessionId, gameId, label, votes } = message;
  return (
    positiveInteger(sessionId) &&
    nonNegativeInteger(gameId) &&
    nonNegativeInteger(votes) &&
    typeof label === 'string' &&
    label.length >= 1 &&
    label.length <= 200 &&
    !label.includes('\u0000')
  );
}
