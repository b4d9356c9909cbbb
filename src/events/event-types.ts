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
            room_code: Nullable(Type.String()),
          },
          exact,
        ),
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
} as const satisfies Record<string, EventDefinition>;

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
export type SessionGameUpdatedPayload = EventPayloads['session-game.updated'];
export type VoteReceivedPayload = EventPayloads['vote.received'];
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
