import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The event registry: every event the system records, its payload schema, who receives it
 * and whether webhooks can subscribe to it. The one place that defines what bots receive over
 * the WebSocket and in webhooks; field names are the wire names. The payload types below are
 * derived from the schemas, so code and schema cannot drift apart, and a test checks the
 * payloads written in SQL (the vote) against them.
 *
 * Adding an event type: add its entry here (payload schema, audience, `webhook` flag), record
 * it from its producer with `tx.record(...)`, and run `npm run docs:events` (see
 * docs/architecture.md). The live hub, the webhook worker, the webhook `events` enum and the
 * README's event table all follow this registry.
 */

/** Payloads carry exactly their declared fields, no more. */
const exact = { additionalProperties: false } as const;
const Id = Type.Integer({ minimum: 1 });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const SessionGameStatus = Type.Union([
  Type.Literal('playing'),
  Type.Literal('played'),
  Type.Literal('skipped'),
]);

/** How a game came to be played: the picker, an admin's choice, or the viewers' poll. */
const GameSource = Type.Union([Type.Literal('dice'), Type.Literal('manual'), Type.Literal('poll')]);

const SessionSummary = Type.Object(
  { id: Id, is_active: Type.Boolean(), games_played: Type.Integer({ minimum: 0 }) },
  exact,
);

/**
 * A watched room as its events report it. `gameId` is the session game's id (the
 * `sessionGameId` of the URLs); `maxPlayers` is the room's own seat count; `playerCount` never
 * goes down, because Jackbox keeps a seat for a player who drops.
 */
const roomFields = {
  sessionId: Id,
  gameId: Id,
  roomCode: Type.String(),
  appTag: Nullable(Type.String()),
  maxPlayers: Nullable(Type.Integer({ minimum: 0 })),
  playerCount: Type.Integer({ minimum: 0 }),
  players: Type.Array(Type.String()),
  lobbyState: Nullable(Type.String()),
  gameState: Nullable(Type.String()),
  gameStarted: Type.Boolean(),
  gameFinished: Type.Boolean(),
  monitoring: Type.Boolean(),
};
const RoomEventPayload = Type.Object(roomFields, exact);
const DisconnectReason = Type.Union([
  Type.Literal('room_closed'),
  Type.Literal('room_not_found'),
  Type.Literal('connection_failed'),
  Type.Literal('role_rejected'),
  Type.Literal('manually_stopped'),
]);

/**
 * A poll option as events carry it: its number as viewers type it, the catalog game (0 for
 * "Other" and other free labels), its label and the game's ticker (null without one).
 */
const PollOption = Type.Object(
  {
    option: Type.Integer({ minimum: 1 }),
    gameId: Type.Integer({ minimum: 0 }),
    label: Type.String(),
    ticker: Nullable(Type.String()),
  },
  exact,
);

/** The option ahead in a poll (`gameId` 0 for a label such as "Other"). */
const PollLeadingPayload = Type.Object(
  {
    sessionId: Id,
    gameId: Type.Integer({ minimum: 0 }),
    label: Type.String({ minLength: 1, maxLength: 200 }),
    votes: Type.Integer({ minimum: 0 }),
  },
  exact,
);

/**
 * Who receives an event over the WebSocket: every authenticated socket, or the subscribers of
 * the event's session (in the session's order).
 */
export type EventAudience = 'authenticated' | 'session';

export interface EventDefinition {
  description: string;
  audience: EventAudience;
  /** Webhooks may subscribe to it. */
  webhook: boolean;
  payload: TSchema;
}

export const EVENT_REGISTRY = {
  'game.added': {
    description: 'A game was added to a session (picked or chosen by hand); it is now playing.',
    audience: 'session',
    webhook: true,
    payload: Type.Object(
      {
        session: SessionSummary,
        game: Type.Object(
          {
            id: Id,
            title: Type.String(),
            pack_name: Type.String(),
            min_players: Type.Integer(),
            max_players: Type.Integer(),
            manually_added: Type.Boolean(),
            source: GameSource,
            room_code: Nullable(Type.String()),
          },
          exact,
        ),
      },
      exact,
    ),
  },
  'game.picked': {
    description:
      "An admin selected the session's next game without adding it yet; every admin shows the same pick. A new pick replaces the previous one.",
    audience: 'session',
    webhook: true,
    payload: Type.Object(
      {
        sessionId: Id,
        game: Type.Object({ id: Id, title: Type.String(), pack_name: Type.String() }, exact),
        source: GameSource,
        selectedBy: Type.String(),
        selectedAt: Type.String({ format: 'date-time' }),
      },
      exact,
    ),
  },
  'game.dismissed': {
    description:
      "The session's pending selection was cleared: dismissed by an admin, replaced by the game added to the session, or dropped when the session ended.",
    audience: 'session',
    webhook: true,
    payload: Type.Object(
      {
        sessionId: Id,
        gameId: Id,
        source: GameSource,
        reason: Type.Union([
          Type.Literal('dismissed'),
          Type.Literal('added'),
          Type.Literal('session_ended'),
        ]),
      },
      exact,
    ),
  },
  'session.started': {
    description: 'A session was started.',
    audience: 'authenticated',
    webhook: true,
    payload: Type.Object(
      {
        session: Type.Object(
          {
            id: Id,
            is_active: Type.Boolean(),
            created_at: Type.String({ format: 'date-time' }),
            notes: Nullable(Type.String()),
          },
          exact,
        ),
      },
      exact,
    ),
  },
  'session.ended': {
    description: 'A session was closed.',
    audience: 'session',
    webhook: true,
    payload: Type.Object({ session: SessionSummary }, exact),
  },
  'session-game.updated': {
    description:
      "A session game's status, room code or player count changed, or it was removed (called `game.status` before room monitoring; `game.status` is now the watched room's snapshot).",
    audience: 'session',
    webhook: false,
    payload: Type.Object(
      {
        session: SessionSummary,
        change: Type.Union([
          Type.Literal('status'),
          Type.Literal('room_code'),
          Type.Literal('player_count'),
          Type.Literal('removed'),
        ]),
        session_game: Type.Object(
          {
            id: Id,
            game_id: Id,
            title: Type.String(),
            status: SessionGameStatus,
            room_code: Nullable(Type.String()),
            player_count: Nullable(Type.Integer({ minimum: 0 })),
          },
          exact,
        ),
      },
      exact,
    ),
  },
  'room.connected': {
    description: "The monitor connected to the session game's Jackbox room.",
    audience: 'session',
    webhook: true,
    payload: RoomEventPayload,
  },
  'lobby.player-joined': {
    description: 'A player joined the watched room.',
    audience: 'session',
    webhook: true,
    payload: Type.Object(
      {
        ...roomFields,
        player: Type.Object({ id: Type.Integer(), name: Type.String() }, exact),
      },
      exact,
    ),
  },
  'lobby.updated': {
    description: "The watched room's lobby changed (its lobby state, or whether it can start).",
    audience: 'session',
    webhook: true,
    payload: RoomEventPayload,
  },
  'game.started': {
    description: 'The game in the watched room started (once per game).',
    audience: 'session',
    webhook: true,
    payload: RoomEventPayload,
  },
  'game.ended': {
    description:
      'The game in the watched room ended (once per game); the session game is now played.',
    audience: 'session',
    webhook: true,
    payload: RoomEventPayload,
  },
  'room.disconnected': {
    description:
      'Watching the room ended: it closed, was not found, refused the connection or the role, or monitoring was stopped.',
    audience: 'session',
    webhook: true,
    payload: Type.Object({ ...roomFields, reason: DisconnectReason }, exact),
  },
  'player-count.updated': {
    description: "An admin set a session game's player count by hand.",
    audience: 'session',
    webhook: true,
    payload: Type.Object(
      {
        sessionId: Id,
        gameId: Id,
        roomCode: Nullable(Type.String()),
        playerCount: Nullable(Type.Integer({ minimum: 0 })),
      },
      exact,
    ),
  },
  'vote.received': {
    description: 'A live vote was recorded; carries the game totals after it.',
    audience: 'session',
    webhook: true,
    payload: Type.Object(
      {
        sessionId: Id,
        game: Type.Object({ id: Id, title: Type.String(), pack_name: Type.String() }, exact),
        vote: Type.Object(
          {
            username: Type.String(),
            type: Type.Union([Type.Literal('up'), Type.Literal('down')]),
            timestamp: Type.String(),
          },
          exact,
        ),
        totals: Type.Object(
          { upvotes: Type.Integer(), downvotes: Type.Integer(), popularity_score: Type.Integer() },
          exact,
        ),
      },
      exact,
    ),
  },
  'poll.start': {
    description: 'A viewer poll opened on the session: its options, numbered as chat types them.',
    audience: 'session',
    webhook: true,
    payload: Type.Object(
      {
        sessionId: Id,
        pollStartedAt: Type.String({ format: 'date-time' }),
        options: Type.Array(PollOption),
      },
      exact,
    ),
  },
  'poll.leading': {
    description:
      "The poll's leader changed (another option, or its count): at most a few a second, and the last one always goes out. Also relayed from an authenticated WebSocket client that sends it.",
    audience: 'session',
    webhook: true,
    payload: PollLeadingPayload,
  },
  'poll.ending': {
    description: 'A countdown to the end of the poll started; it ends at `endsAt`.',
    audience: 'session',
    webhook: true,
    payload: Type.Object({ sessionId: Id, endsAt: Type.String({ format: 'date-time' }) }, exact),
  },
  'poll.ending.cancelled': {
    description: "The poll's countdown was cancelled; the poll stays open.",
    audience: 'session',
    webhook: true,
    payload: Type.Object({ sessionId: Id }, exact),
  },
  'voting.ended': {
    description:
      'The poll ended, with its winner (the most votes; a tie goes to the option that reached that count first; null without votes).',
    audience: 'session',
    webhook: true,
    payload: Type.Object(
      {
        sessionId: Id,
        winnerGameId: Nullable(Type.Integer({ minimum: 0 })),
        winnerLabel: Nullable(Type.String()),
        winnerVotes: Type.Integer({ minimum: 0 }),
      },
      exact,
    ),
  },
} as const satisfies Record<string, EventDefinition>;

/**
 * Live-only messages: sent to whoever listens now (on this and every other instance), never
 * stored, replayed or sent to webhooks, and without an `id` (see TransientEvents). Same shape as
 * the registry above; the AsyncAPI document lists them beside the events.
 */
export const LIVE_MESSAGE_REGISTRY = {
  'game.status': {
    description:
      "A watched room's snapshot, every `ROOM_STATUS_INTERVAL_MS` while it is watched: the room event fields, plus why monitoring failed or ended (`reason`, else null) and whether the room runs the catalog game the admin picked (`appTagMatches`, null while unknown).",
    audience: 'session',
    webhook: false,
    payload: Type.Object(
      {
        ...roomFields,
        reason: Nullable(DisconnectReason),
        appTagMatches: Nullable(Type.Boolean()),
      },
      exact,
    ),
  },
} as const satisfies Record<string, EventDefinition>;

export type LiveMessageType = keyof typeof LIVE_MESSAGE_REGISTRY;
export type LiveMessagePayloads = {
  [T in LiveMessageType]: Static<(typeof LIVE_MESSAGE_REGISTRY)[T]['payload']>;
};

export type EventType = keyof typeof EVENT_REGISTRY;
export type EventPayloads = {
  [T in EventType]: Static<(typeof EVENT_REGISTRY)[T]['payload']>;
};

export const EVENT_TYPES = Object.keys(EVENT_REGISTRY) as EventType[];
/** The events a webhook can subscribe to. */
export type WebhookEventType = {
  [T in EventType]: (typeof EVENT_REGISTRY)[T]['webhook'] extends true ? T : never;
}[EventType];
export const WEBHOOK_EVENTS = EVENT_TYPES.filter(
  (type): type is WebhookEventType => EVENT_REGISTRY[type].webhook,
);

export type SessionSummary = Static<typeof SessionSummary>;
export type GameDismissedReason = EventPayloads['game.dismissed']['reason'];
export type SessionGameUpdatedPayload = EventPayloads['session-game.updated'];
export type VoteReceivedPayload = EventPayloads['vote.received'];
export type PollLeadingPayload = EventPayloads['poll.leading'];
export type PollOptionPayload = Static<typeof PollOption>;
export type RoomEventPayload = Static<typeof RoomEventPayload>;
export type RoomEventType =
  | 'room.connected'
  | 'lobby.player-joined'
  | 'lobby.updated'
  | 'game.started'
  | 'game.ended'
  | 'room.disconnected';

/**
 * Where an event stands in commit order: the transaction that wrote it, then its id. Readers
 * take events in this order, and only those below the oldest transaction still running, so the
 * order never changes behind them (see EventsRepository).
 */
export interface EventPosition {
  /** The writing transaction's id (PostgreSQL xid8), as text: it can exceed 2^53. */
  xid: string;
  id: number;
}

/** A committed event, as stored in the `events` table. */
export interface DomainEvent<T extends EventType = EventType> extends EventPosition {
  type: T;
  sessionId: number | null;
  payload: EventPayloads[T];
  createdAt: Date;
}

/** Negative, zero or positive as `a` stands before, at or after `b` in commit order. */
export function comparePositions(a: EventPosition, b: EventPosition): number {
  const byXid = BigInt(a.xid) - BigInt(b.xid);
  return byXid === 0n ? a.id - b.id : byXid < 0n ? -1 : 1;
}
