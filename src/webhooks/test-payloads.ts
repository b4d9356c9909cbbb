import type { EventPayloads, WebhookEventType } from '../events/event-types';

const room = {
  sessionId: 1,
  gameId: 1,
  roomCode: 'TEST',
  appTag: 'quiplash3',
  maxPlayers: 8,
  playerCount: 3,
  players: ['Alice', 'Bob', 'Carol'],
  lobbyState: 'CanStart',
  gameState: null,
  gameStarted: false,
  gameFinished: false,
  monitoring: true,
};

/**
 * What `POST /api/webhooks/test/:id` sends for each event a webhook can subscribe to: a body of
 * the real shape, so a receiver's parsing is exercised, about a game that is not in the catalog.
 * Keyed by the registry's webhook events, so a new one cannot be added without its sample (and
 * a test checks each against its schema). The delivery is marked as a test besides.
 */
export const TEST_PAYLOADS: { [T in WebhookEventType]: EventPayloads[T] } = {
  'game.added': {
    session: { id: 1, is_active: true, games_played: 1 },
    game: {
      id: 1,
      title: 'Test Game',
      pack_name: 'Test Pack',
      min_players: 3,
      max_players: 8,
      manually_added: false,
      source: 'dice',
      room_code: 'TEST',
    },
  },
  'session.started': {
    session: { id: 1, is_active: true, created_at: '2025-01-01T20:00:00.000Z', notes: null },
  },
  'session.ended': { session: { id: 1, is_active: false, games_played: 3 } },
  'room.connected': room,
  'lobby.player-joined': {
    ...room,
    player: { id: 3, name: 'Carol' },
  },
  'lobby.updated': room,
  'game.started': { ...room, lobbyState: null, gameState: 'Gameplay', gameStarted: true },
  'game.ended': {
    ...room,
    lobbyState: null,
    gameState: 'PostGame',
    gameStarted: true,
    gameFinished: true,
  },
  'room.disconnected': {
    ...room,
    gameStarted: true,
    gameFinished: true,
    monitoring: false,
    reason: 'room_closed',
  },
  'player-count.updated': { sessionId: 1, gameId: 1, roomCode: 'TEST', playerCount: 6 },
  'vote.received': {
    sessionId: 1,
    game: { id: 1, title: 'Test Game', pack_name: 'Test Pack' },
    vote: { username: 'test_viewer', type: 'up', timestamp: '2025-01-01T20:05:00.000Z' },
    totals: { upvotes: 1, downvotes: 0, popularity_score: 1 },
  },
  'game.picked': {
    sessionId: 1,
    game: { id: 1, title: 'Test Game', pack_name: 'Test Pack' },
    source: 'dice',
    selectedBy: 'admin',
    selectedAt: '2025-01-01T20:04:00.000Z',
  },
  'game.dismissed': { sessionId: 1, gameId: 1, source: 'dice', reason: 'dismissed' },
  'poll.start': {
    sessionId: 1,
    pollStartedAt: '2025-01-01T20:10:00.000Z',
    options: [
      { option: 1, gameId: 1, label: 'Test Game', ticker: 'TEST' },
      { option: 2, gameId: 0, label: 'Other', ticker: null },
    ],
  },
  'poll.leading': { sessionId: 1, gameId: 1, label: 'Test Game', votes: 3 },
  'poll.ending': { sessionId: 1, endsAt: '2025-01-01T20:12:00.000Z' },
  'poll.ending.cancelled': { sessionId: 1 },
  'voting.ended': { sessionId: 1, winnerGameId: 1, winnerLabel: 'Test Game', winnerVotes: 3 },
};
