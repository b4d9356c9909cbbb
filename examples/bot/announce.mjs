// @ts-check
/**
 * What the bot says in chat for each event. The same events come over the WebSocket as
 * `{type, id, timestamp, data}` and in webhooks as `{event, timestamp, data}`; both reach
 * `announcement` as `{type, data}`.
 */

/** @typedef {{ id: number, is_active: boolean, games_played: number }} SessionSummary */
/**
 * @typedef {object} RoomState
 * @property {number} sessionId
 * @property {number} gameId the session game's id
 * @property {string} roomCode
 * @property {number | null} maxPlayers
 * @property {number} playerCount
 * @property {string[]} players
 */
/**
 * @typedef {{ type: 'session.started', data: { session: { id: number, notes: string | null } } }
 *   | { type: 'session.ended', data: { session: SessionSummary } }
 *   | { type: 'game.added', data: { session: SessionSummary, game: { id: number, title: string, pack_name: string, room_code?: string | null } } }
 *   | { type: 'session-game.updated', data: { change: string, session_game: { title: string, status: string } } }
 *   | { type: 'vote.received', data: { game: { title: string }, vote: { username: string, type: 'up' | 'down' }, totals: { upvotes: number, downvotes: number } } }
 *   | { type: 'room.connected' | 'lobby.updated' | 'game.started' | 'game.ended', data: RoomState }
 *   | { type: 'lobby.player-joined', data: RoomState & { player: { name: string } } }
 *   | { type: 'room.disconnected', data: RoomState & { reason: string } }
 *   | { type: 'player-count.updated', data: { playerCount: number | null } }
 * } KnownEvent
 */
/** @typedef {{ type: string, data: unknown }} AnyEvent */

/** @param {RoomState} room */
const seats = (room) =>
  room.maxPlayers ? `${room.playerCount}/${room.maxPlayers}` : `${room.playerCount}`;

/**
 * The chat message for an event, or undefined for one not worth a message (and for types this
 * bot does not know yet: new ones can appear, and a bot should let them pass).
 * @param {AnyEvent} event
 * @returns {string | undefined}
 */
export function announcement(event) {
  const known = /** @type {KnownEvent} */ (event);
  switch (known.type) {
    case 'session.started':
      return `Game night is on! (session ${known.data.session.id})`;
    case 'session.ended':
      return `That's a wrap: ${known.data.session.games_played} games tonight. Thanks for playing!`;
    case 'game.added': {
      const { game } = known.data;
      const room = game.room_code ? ` Room code: ${game.room_code}` : '';
      return `Coming up next: ${game.title} (${game.pack_name})!${room}`;
    }
    case 'session-game.updated':
      return known.data.change === 'status' && known.data.session_game.status === 'skipped'
        ? `Skipping ${known.data.session_game.title}.`
        : undefined;
    case 'vote.received': {
      const { game, vote, totals } = known.data;
      return `${vote.username} voted ${game.title} ${vote.type}: ${totals.upvotes} up, ${totals.downvotes} down`;
    }
    case 'room.connected':
      return `Watching room ${known.data.roomCode} (${seats(known.data)} players)`;
    case 'lobby.player-joined':
      return `${known.data.player.name} joined room ${known.data.roomCode} (${seats(known.data)})`;
    case 'game.started':
      return `The game in room ${known.data.roomCode} has started with ${known.data.playerCount} players!`;
    case 'game.ended':
      return `The game in room ${known.data.roomCode} is over.`;
    case 'lobby.updated':
    case 'room.disconnected':
    case 'player-count.updated':
      return undefined;
    default:
      return undefined;
  }
}
