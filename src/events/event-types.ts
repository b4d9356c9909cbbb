/**
 * Every event the system records, with its payload: the one place that defines what bots
 * receive over the WebSocket and in webhooks. Field names are the wire names.
 */

export interface SessionSummary {
  id: number;
  is_active: boolean;
  games_played: number;
}

export interface SessionStartedPayload {
  session: { id: number; is_active: boolean; created_at: string; notes: string | null };
}

/** Exactly the guide's `game.added` data. */
export interface GameAddedPayload {
  session: SessionSummary;
  game: {
    id: number;
    title: string;
    pack_name: string;
    min_players: number;
    max_players: number;
    manually_added: boolean;
    room_code: string | null;
  };
}

export interface SessionEndedPayload {
  session: SessionSummary;
}

/** A session game changed: its status, room code or player count, or it was removed. */
export interface GameStatusPayload {
  session: SessionSummary;
  change: 'status' | 'room_code' | 'player_count' | 'removed';
  session_game: {
    id: number;
    game_id: number;
    title: string;
    status: 'playing' | 'played' | 'skipped';
    room_code: string | null;
    player_count: number | null;
  };
}

export interface VoteReceivedPayload {
  sessionId: number;
  game: { id: number; title: string; pack_name: string };
  vote: { username: string; type: 'up' | 'down'; timestamp: string };
  totals: { upvotes: number; downvotes: number; popularity_score: number };
}

export interface EventPayloads {
  'session.started': SessionStartedPayload;
  'session.ended': SessionEndedPayload;
  'game.added': GameAddedPayload;
  'game.status': GameStatusPayload;
  'vote.received': VoteReceivedPayload;
}

export type EventType = keyof EventPayloads;

export const EVENT_TYPES: readonly EventType[] = [
  'session.started',
  'session.ended',
  'game.added',
  'game.status',
  'vote.received',
];

/** A committed event, as stored in the `events` table. */
export interface DomainEvent<T extends EventType = EventType> {
  id: number;
  type: T;
  sessionId: number | null;
  payload: EventPayloads[T];
  createdAt: Date;
}
