import { errorExamples, type ErrorExample } from './support/openapi';
import { startTestApp, type ApiResponse, type TestApp } from './support/app';
import { startReceiver, type Receiver } from './support/receiver';

/**
 * Every error example of the OpenAPI document, checked against the live server: each is sent the
 * request that leads to it, and must answer with that status and exactly that body. A new error
 * example needs a trigger here (or a reason in UNTRIGGERED).
 */

interface World {
  /** Rooms off, the usual login limit. */
  t: TestApp;
  token: string;
  /** Rooms on (no ecast server: nothing is watched), a login limit of 3 per minute. */
  rooms: TestApp;
  roomsToken: string;
  receiver: Receiver;
  /** Game ids of the seeded catalog. */
  fibbage4: number;
  /** A game that is not Fibbage 4, played in session 1 (so it has history). */
  firstGame: number;
}

type Trigger = (w: World) => Promise<ApiResponse>;

/** A valid poll vote but for the fields given. */
const pollVote = (fields: Record<string, unknown> = {}) => ({
  username: 'TestUser',
  option: 2,
  timestamp: '2025-11-01T20:30:00Z',
  ...fields,
});

/**
 * Runs `request` while session 1 has a poll open (3 drawn games and "Other", the documented
 * poll), then ends it: the other triggers find session 1 without an open poll, as before.
 */
const withOpenPoll =
  (request: Trigger): Trigger =>
  async (w) => {
    const started = await w.t.request('POST', '/api/sessions/1/voting/start', { token: w.token });
    if (started.status !== 201) return started;
    try {
      return await request(w);
    } finally {
      const ended = await w.t.request('POST', '/api/sessions/1/voting/end', { token: w.token });
      expect(ended.body.status).toBe('ended');
    }
  };

/** Runs `request` with every game disabled, then enables them again (all are, in the seed). */
const withEveryGameDisabled =
  (request: Trigger): Trigger =>
  async (w) => {
    const games = (await w.t.request('GET', '/api/games')).body as {
      pack_name: string;
      enabled: boolean;
    }[];
    expect(games.every((g) => g.enabled)).toBe(true);
    const packs = [...new Set(games.map((g) => g.pack_name))];
    const toggle = async (enabled: boolean) => {
      for (const pack of packs) {
        const res = await w.t.request(
          'PATCH',
          `/api/games/packs/${encodeURIComponent(pack)}/toggle`,
          { token: w.token, body: { enabled } },
        );
        expect(res.status).toBe(200);
      }
    };
    await toggle(false);
    try {
      return await request(w);
    } finally {
      await toggle(true);
    }
  };

/** Needs session 1 active, with session game 1 played and session game 2 playing. */
const WHILE_ACTIVE: Record<string, Trigger> = {
  'login 400 noKey': (w) => w.t.request('POST', '/api/auth/login', { body: {} }),
  'login 401 wrongKey': (w) =>
    w.t.request('POST', '/api/auth/login', { body: { apiKey: 'not-the-admin-key' } }),
  'login 429 tooMany': async (w) => {
    let res: ApiResponse | undefined;
    for (let i = 0; i < 10 && res?.status !== 429; i++) {
      res = await w.rooms.request('POST', '/api/auth/login', { body: { apiKey: 'wrong-key' } });
    }
    return res!;
  },
  'listGames 400 badPlayerCount': (w) => w.t.request('GET', '/api/games?playerCount=six'),
  'createGame 400 noTitle': (w) =>
    w.t.request('POST', '/api/games', {
      token: w.token,
      body: { pack_name: 'The Jackbox Party Pack 9', min_players: 2, max_players: 8 },
    }),
  'createGame 409 sameTitle': (w) =>
    w.t.request('POST', '/api/games', {
      token: w.token,
      body: {
        pack_name: 'The Jackbox Party Pack 9',
        title: 'Fibbage 4',
        min_players: 2,
        max_players: 8,
      },
    }),
  'importGamesCsv 400 missingColumn': (w) =>
    w.t.request('POST', '/api/games/import/csv', {
      token: w.token,
      body: { csv: 'pack_name,title\nThe Jackbox Party Pack 9,Fibbage 4\n' },
    }),
  'getGame 400 badId': (w) => w.t.request('GET', '/api/games/abc'),
  'getGame 404 noGame': (w) => w.t.request('GET', '/api/games/9999'),
  'updateGame 400 badPlayers': (w) =>
    w.t.request('PUT', `/api/games/${w.firstGame}`, {
      token: w.token,
      body: { min_players: 9, max_players: 3 },
    }),
  'updateGame 404 noGame': (w) =>
    w.t.request('PUT', '/api/games/9999', { token: w.token, body: { enabled: true } }),
  'updateGame 409 tickerTaken': (w) =>
    w.t.request('PUT', `/api/games/${w.firstGame}`, { token: w.token, body: { ticker: 'FIB4' } }),
  'deleteGame 400 badId': (w) => w.t.request('DELETE', '/api/games/abc', { token: w.token }),
  'deleteGame 404 noGame': (w) => w.t.request('DELETE', '/api/games/9999', { token: w.token }),
  'deleteGame 409 hasHistory': (w) =>
    w.t.request('DELETE', `/api/games/${w.firstGame}`, { token: w.token }),
  'toggleGame 400 badId': (w) => w.t.request('PATCH', '/api/games/abc/toggle', { token: w.token }),
  'toggleGame 404 noGame': (w) =>
    w.t.request('PATCH', '/api/games/9999/toggle', { token: w.token }),
  'setGameFavor 400 badFavor': (w) =>
    w.t.request('PATCH', `/api/games/${w.firstGame}/favor`, {
      token: w.token,
      body: { favor_bias: 2 },
    }),
  'setGameFavor 404 noGame': (w) =>
    w.t.request('PATCH', '/api/games/9999/favor', { token: w.token, body: { favor_bias: 1 } }),
  'togglePack 400 noEnabled': (w) =>
    w.t.request('PATCH', '/api/games/packs/The%20Jackbox%20Party%20Pack%209/toggle', {
      token: w.token,
      body: {},
    }),
  'togglePack 404 noPack': (w) =>
    w.t.request('PATCH', '/api/games/packs/No%20Such%20Pack/toggle', {
      token: w.token,
      body: { enabled: true },
    }),
  'setPackFavor 400 badFavor': (w) =>
    w.t.request('PATCH', '/api/games/packs/The%20Jackbox%20Party%20Pack%209/favor', {
      token: w.token,
      body: { favor_bias: 5 },
    }),
  'setPackFavor 404 noPack': (w) =>
    w.t.request('PATCH', '/api/games/packs/No%20Such%20Pack/favor', {
      token: w.token,
      body: { favor_bias: 1 },
    }),
  'pickGame 400 packAndPacks': (w) =>
    w.t.request('POST', '/api/pick', {
      body: { pack: 'The Jackbox Party Pack 9', packs: ['The Jackbox Party Pack 7'] },
    }),
  'pickGame 400 excludePlayedAlone': (w) =>
    w.t.request('POST', '/api/pick', { body: { excludePlayed: true } }),
  'pickGame 404 noMatch': (w) =>
    w.t.request('POST', '/api/pick', { body: { pack: 'No Such Pack' } }),
  'pickGame 404 noSession': (w) => w.t.request('POST', '/api/pick', { body: { sessionId: 9999 } }),
  'listSessions 400 badLimit': (w) => w.t.request('GET', '/api/sessions?limit=ten'),
  'createSession 400 anotherActive': (w) =>
    w.t.request('POST', '/api/sessions', { token: w.token, body: {} }),
  'getSession 400 badId': (w) => w.t.request('GET', '/api/sessions/abc'),
  'getSession 404 noSession': (w) => w.t.request('GET', '/api/sessions/9999'),
  'deleteSession 400 badId': (w) => w.t.request('DELETE', '/api/sessions/abc', { token: w.token }),
  'deleteSession 404 noSession': (w) =>
    w.t.request('DELETE', '/api/sessions/9999', { token: w.token }),
  'deleteSession 409 active': (w) => w.t.request('DELETE', '/api/sessions/1', { token: w.token }),
  'closeSession 400 badId': (w) =>
    w.t.request('POST', '/api/sessions/abc/close', { token: w.token }),
  'closeSession 404 noSession': (w) =>
    w.t.request('POST', '/api/sessions/9999/close', { token: w.token }),
  'setSessionNotes 400 noNotes': (w) =>
    w.t.request('PUT', '/api/sessions/1/notes', { token: w.token, body: {} }),
  'setSessionNotes 404 noSession': (w) =>
    w.t.request('PUT', '/api/sessions/9999/notes', { token: w.token, body: { notes: 'x' } }),
  'deleteSessionNotes 400 badId': (w) =>
    w.t.request('DELETE', '/api/sessions/abc/notes', { token: w.token }),
  'deleteSessionNotes 404 noSession': (w) =>
    w.t.request('DELETE', '/api/sessions/9999/notes', { token: w.token }),
  'exportSession 400 badFormat': (w) =>
    w.t.request('GET', '/api/sessions/1/export?format=pdf', { token: w.token }),
  'exportSession 404 noSession': (w) =>
    w.t.request('GET', '/api/sessions/9999/export', { token: w.token }),
  'listSessionGames 400 badId': (w) => w.t.request('GET', '/api/sessions/abc/games'),
  'listSessionGames 404 noSession': (w) => w.t.request('GET', '/api/sessions/9999/games'),
  'addGameToSession 400 noGameId': (w) =>
    w.t.request('POST', '/api/sessions/1/games', { token: w.token, body: {} }),
  'addGameToSession 404 noSession': (w) =>
    w.t.request('POST', '/api/sessions/9999/games', { token: w.token, body: { game_id: 1 } }),
  'addGameToSession 404 noGame': (w) =>
    w.t.request('POST', '/api/sessions/1/games', { token: w.token, body: { game_id: 9999 } }),
  'addGameToSession 400 contradiction': (w) =>
    w.t.request('POST', '/api/sessions/1/games', {
      token: w.token,
      body: { game_id: w.fibbage4, manually_added: true, source: 'poll' },
    }),
  'selectGame 400 badId': (w) =>
    w.t.request('POST', '/api/sessions/abc/game-selection', {
      token: w.token,
      body: { game_id: w.fibbage4, source: 'dice' },
    }),
  'selectGame 400 badSource': (w) =>
    w.t.request('POST', '/api/sessions/1/game-selection', {
      token: w.token,
      body: { game_id: w.fibbage4, source: 'hat' },
    }),
  'selectGame 404 noSession': (w) =>
    w.t.request('POST', '/api/sessions/9999/game-selection', {
      token: w.token,
      body: { game_id: w.fibbage4, source: 'dice' },
    }),
  'selectGame 404 noGame': (w) =>
    w.t.request('POST', '/api/sessions/1/game-selection', {
      token: w.token,
      body: { game_id: 9999, source: 'dice' },
    }),
  'dismissGameSelection 400 badId': (w) =>
    w.t.request('DELETE', '/api/sessions/abc/game-selection', { token: w.token }),
  'dismissGameSelection 404 nothingSelected': (w) =>
    w.t.request('DELETE', '/api/sessions/1/game-selection', { token: w.token }),
  'setSessionGameStatus 400 badStatus': (w) =>
    w.t.request('PATCH', '/api/sessions/1/games/1/status', {
      token: w.token,
      body: { status: 'paused' },
    }),
  'setSessionGameStatus 404 noSessionGame': (w) =>
    w.t.request('PATCH', '/api/sessions/1/games/9999/status', {
      token: w.token,
      body: { status: 'played' },
    }),
  'setSessionGameRoomCode 400 badCode': (w) =>
    w.t.request('PATCH', '/api/sessions/1/games/1/room-code', {
      token: w.token,
      body: { room_code: 'AB1' },
    }),
  'setSessionGameRoomCode 404 noSessionGame': (w) =>
    w.t.request('PATCH', '/api/sessions/1/games/9999/room-code', {
      token: w.token,
      body: { room_code: null },
    }),
  'setSessionGamePlayerCount 400 badCount': (w) =>
    w.t.request('PATCH', '/api/sessions/1/games/1/player-count', {
      token: w.token,
      body: { player_count: -1 },
    }),
  'setSessionGamePlayerCount 404 noSessionGame': (w) =>
    w.t.request('PATCH', '/api/sessions/1/games/9999/player-count', {
      token: w.token,
      body: { player_count: 4 },
    }),
  'removeSessionGame 400 badSessionGameId': (w) =>
    w.t.request('DELETE', '/api/sessions/1/games/abc', { token: w.token }),
  'removeSessionGame 404 noSessionGame': (w) =>
    w.t.request('DELETE', '/api/sessions/1/games/9999', { token: w.token }),
  'listVotes 400 badLimit': (w) => w.t.request('GET', '/api/votes?limit=500'),
  'getSessionVotes 400 badId': (w) => w.t.request('GET', '/api/sessions/abc/votes'),
  'getSessionVotes 404 noSession': (w) => w.t.request('GET', '/api/sessions/9999/votes'),
  'importChat 400 notAnObject': (w) =>
    w.t.request('POST', '/api/sessions/1/chat-import', {
      token: w.token,
      body: { chatData: [[]] },
    }),
  'importChat 404 noSession': (w) =>
    w.t.request('POST', '/api/sessions/9999/chat-import', {
      token: w.token,
      body: { chatData: [] },
    }),
  'createWebhook 400 placeholderUrl': (w) =>
    w.t.request('POST', '/api/webhooks', {
      token: w.token,
      body: {
        name: 'Chat bot',
        url: 'https://bot.example.invalid/webhooks/jackbox',
        events: ['game.added'],
      },
    }),
  'getWebhook 400 badId': (w) => w.t.request('GET', '/api/webhooks/abc', { token: w.token }),
  'getWebhook 404 noWebhook': (w) => w.t.request('GET', '/api/webhooks/9999', { token: w.token }),
  'updateWebhook 400 badEnabled': (w) =>
    w.t.request('PATCH', '/api/webhooks/1', { token: w.token, body: { enabled: 'yes' } }),
  'updateWebhook 404 noWebhook': (w) =>
    w.t.request('PATCH', '/api/webhooks/9999', { token: w.token, body: { enabled: true } }),
  'deleteWebhook 400 badId': (w) => w.t.request('DELETE', '/api/webhooks/abc', { token: w.token }),
  'deleteWebhook 404 noWebhook': (w) =>
    w.t.request('DELETE', '/api/webhooks/9999', { token: w.token }),
  'testWebhook 400 badId': (w) => w.t.request('POST', '/api/webhooks/test/abc', { token: w.token }),
  'testWebhook 404 noWebhook': (w) =>
    w.t.request('POST', '/api/webhooks/test/9999', { token: w.token }),
  'getWebhookLogs 400 badLimit': (w) =>
    w.t.request('GET', '/api/webhooks/1/logs?limit=500', { token: w.token }),
  'getWebhookLogs 404 noWebhook': (w) =>
    w.t.request('GET', '/api/webhooks/9999/logs', { token: w.token }),
  'retryWebhookDelivery 400 badId': (w) =>
    w.t.request('POST', '/api/webhooks/1/deliveries/abc/retry', { token: w.token }),
  'retryWebhookDelivery 404 noWebhook': (w) =>
    w.t.request('POST', '/api/webhooks/9999/deliveries/1/retry', { token: w.token }),
  'retryWebhookDelivery 404 noDelivery': (w) =>
    w.t.request('POST', '/api/webhooks/1/deliveries/9999/retry', { token: w.token }),
  'retryWebhookDelivery 409 delivered': (w) =>
    w.t.request('POST', '/api/webhooks/1/deliveries/1/retry', { token: w.token }),
  'startPlayerCheck 400 badSessionGameId': (w) =>
    w.t.request('POST', '/api/sessions/1/games/abc/start-player-check', { token: w.token }),
  'startPlayerCheck 404 noSessionGame': (w) =>
    w.rooms.request('POST', '/api/sessions/1/games/9999/start-player-check', {
      token: w.roomsToken,
    }),
  'startPlayerCheck 409 notPlaying': (w) =>
    w.rooms.request('POST', '/api/sessions/1/games/1/start-player-check', {
      token: w.roomsToken,
    }),
  'startPlayerCheck 409 noRoomCode': (w) =>
    w.rooms.request('POST', '/api/sessions/1/games/2/start-player-check', {
      token: w.roomsToken,
    }),
  'startPlayerCheck 503 off': (w) =>
    w.t.request('POST', '/api/sessions/1/games/2/start-player-check', { token: w.token }),
  'stopPlayerCheck 400 badSessionGameId': (w) =>
    w.t.request('POST', '/api/sessions/1/games/abc/stop-player-check', { token: w.token }),
  'stopPlayerCheck 404 noSessionGame': (w) =>
    w.t.request('POST', '/api/sessions/1/games/9999/stop-player-check', { token: w.token }),
  'getLiveStatus 400 badSessionGameId': (w) =>
    w.t.request('GET', '/api/sessions/1/games/abc/status-live'),
  'getLiveStatus 404 noSessionGame': (w) =>
    w.t.request('GET', '/api/sessions/1/games/9999/status-live'),
  'recordLiveVote 400 badVote': (w) =>
    w.t.request('POST', '/api/votes/live', {
      token: w.token,
      body: { username: 'TestUser', vote: 'sideways', timestamp: '2025-11-01T20:30:00Z' },
    }),
  'recordLiveVote 404 unknownTicker': (w) =>
    w.t.request('POST', '/api/votes/live', {
      token: w.token,
      body: {
        username: 'TestUser',
        vote: 'up',
        timestamp: new Date().toISOString(),
        ticker: 'ZZZZ',
      },
    }),
  'recordLiveVote 409 duplicate': async (w) => {
    const vote = {
      username: 'TestUser',
      vote: 'up',
      timestamp: '2025-11-01T20:30:00Z',
      ticker: 'FIB4',
    };
    const first = await w.t.request('POST', '/api/votes/live', { token: w.token, body: vote });
    if (first.status !== 200) return first;
    return w.t.request('POST', '/api/votes/live', { token: w.token, body: vote });
  },
  'startPoll 400 badId': (w) =>
    w.t.request('POST', '/api/sessions/abc/voting/start', { token: w.token }),
  'startPoll 400 optionBoth': (w) =>
    w.t.request('POST', '/api/sessions/1/voting/start', {
      token: w.token,
      body: { options: [{ game_id: w.fibbage4, label: 'Fibbage' }, { label: 'Other' }] },
    }),
  'startPoll 400 twice': (w) =>
    w.t.request('POST', '/api/sessions/1/voting/start', {
      token: w.token,
      body: { options: [{ game_id: w.fibbage4 }, { game_id: w.fibbage4 }] },
    }),
  'startPoll 404 noSession': (w) =>
    w.t.request('POST', '/api/sessions/9999/voting/start', { token: w.token }),
  'startPoll 404 noGame': (w) =>
    w.t.request('POST', '/api/sessions/1/voting/start', {
      token: w.token,
      body: { options: [{ game_id: 9999 }, { label: 'Other' }] },
    }),
  'startPoll 404 nothingToPick': withEveryGameDisabled((w) =>
    w.t.request('POST', '/api/sessions/1/voting/start', { token: w.token }),
  ),
  'startPoll 409 alreadyOpen': withOpenPoll((w) =>
    w.t.request('POST', '/api/sessions/1/voting/start', { token: w.token }),
  ),
  'getPoll 400 badId': (w) => w.t.request('GET', '/api/sessions/abc/poll'),
  'getPoll 404 noSession': (w) => w.t.request('GET', '/api/sessions/9999/poll'),
  'endPoll 400 badId': (w) =>
    w.t.request('POST', '/api/sessions/abc/voting/end', { token: w.token }),
  'endPoll 400 delay': (w) =>
    w.t.request('POST', '/api/sessions/1/voting/end', { token: w.token, body: { delay: 301 } }),
  'endPoll 404 noSession': (w) =>
    w.t.request('POST', '/api/sessions/9999/voting/end', { token: w.token }),
  'endPoll 409 noPoll': (w) =>
    w.t.request('POST', '/api/sessions/1/voting/end', { token: w.token }),
  'cancelPollEnd 400 badId': (w) =>
    w.t.request('POST', '/api/sessions/abc/voting/cancel-end', { token: w.token }),
  'cancelPollEnd 404 noSession': (w) =>
    w.t.request('POST', '/api/sessions/9999/voting/cancel-end', { token: w.token }),
  'cancelPollEnd 409 noPoll': (w) =>
    w.t.request('POST', '/api/sessions/1/voting/cancel-end', { token: w.token }),
  'cancelPollEnd 409 noCountdown': withOpenPoll((w) =>
    w.t.request('POST', '/api/sessions/1/voting/cancel-end', { token: w.token }),
  ),
  'recordPollVote 400 badId': (w) =>
    w.t.request('POST', '/api/sessions/abc/poll/votes', { token: w.token, body: pollVote() }),
  'recordPollVote 400 optionRule': (w) =>
    w.t.request('POST', '/api/sessions/1/poll/votes', {
      token: w.token,
      body: pollVote({ option: 'the first one' }),
    }),
  'recordPollVote 400 timestamp': (w) =>
    w.t.request('POST', '/api/sessions/1/poll/votes', {
      token: w.token,
      body: pollVote({ timestamp: 'yesterday' }),
    }),
  'recordPollVote 400 impossibleTimestamp': (w) =>
    w.t.request('POST', '/api/sessions/1/poll/votes', {
      token: w.token,
      body: pollVote({ timestamp: '2025-02-30T20:30:00Z' }),
    }),
  'recordPollVote 400 badOption': withOpenPoll((w) =>
    w.t.request('POST', '/api/sessions/1/poll/votes', {
      token: w.token,
      body: pollVote({ option: 7 }),
    }),
  ),
  'recordPollVote 404 noSession': (w) =>
    w.t.request('POST', '/api/sessions/9999/poll/votes', { token: w.token, body: pollVote() }),
  'recordPollVote 409 noPoll': (w) =>
    w.t.request('POST', '/api/sessions/1/poll/votes', { token: w.token, body: pollVote() }),
};

/** Needs session 1 closed (and no session active). */
const AFTER_CLOSE: Record<string, Trigger> = {
  'closeSession 409 alreadyClosed': (w) =>
    w.t.request('POST', '/api/sessions/1/close', { token: w.token }),
  'addGameToSession 409 closed': (w) =>
    w.t.request('POST', '/api/sessions/1/games', { token: w.token, body: { game_id: 1 } }),
  'selectGame 409 closed': (w) =>
    w.t.request('POST', '/api/sessions/1/game-selection', {
      token: w.token,
      body: { game_id: w.fibbage4, source: 'dice' },
    }),
  'setSessionGameStatus 409 closed': (w) =>
    w.t.request('PATCH', '/api/sessions/1/games/1/status', {
      token: w.token,
      body: { status: 'playing' },
    }),
  'recordLiveVote 404 noSession': (w) =>
    w.t.request('POST', '/api/votes/live', {
      token: w.token,
      body: { username: 'TestUser', vote: 'up', timestamp: new Date().toISOString() },
    }),
  'startPoll 409 closed': (w) =>
    w.t.request('POST', '/api/sessions/1/voting/start', { token: w.token }),
  'endPoll 409 closed': (w) =>
    w.t.request('POST', '/api/sessions/1/voting/end', { token: w.token }),
  'cancelPollEnd 409 closed': (w) =>
    w.t.request('POST', '/api/sessions/1/voting/cancel-end', { token: w.token }),
  'recordPollVote 409 closed': (w) =>
    w.t.request('POST', '/api/sessions/1/poll/votes', { token: w.token, body: pollVote() }),
};

/** Documented, but not reached from here, with the reason. */
const UNTRIGGERED: Record<string, string> = {
  'recordLiveVote 503 databaseDown':
    'needs the database to stop answering (test/database-faults.e2e-spec.ts stops it)',
  'recordPollVote 503 databaseDown':
    'needs the database to stop answering (test/database-faults.e2e-spec.ts stops it)',
};

/** The three 401s every admin route documents, from one header each. */
const UNAUTHORIZED: Record<string, (w: World) => Record<string, string>> = {
  missingToken: () => ({}),
  notBearer: () => ({ authorization: 'Token abc' }),
  badToken: () => ({ authorization: 'Bearer not-a-jwt' }),
};

const key = (e: ErrorExample) => `${e.operationId} ${e.status} ${e.name}`;

/** A path with its parameters filled in with ids that exist in the fixture. */
const concrete = (path: string) =>
  path.replace('{name}', 'The%20Jackbox%20Party%20Pack%209').replace(/\{[a-zA-Z]+\}/g, '1');

describe('the error examples of the OpenAPI document, against the live server', () => {
  let w: World;
  let examples: ErrorExample[];

  beforeAll(async () => {
    const t = await startTestApp();
    const rooms = await startTestApp({
      rooms: { ...t.config.rooms, enabled: true },
      loginRateLimit: { limit: 3, windowSeconds: 60 },
    });
    const receiver = await startReceiver();
    const [token, roomsToken] = [await t.login(), await rooms.login()];
    const games = (await t.request('GET', '/api/games')).body as { id: number; title: string }[];
    const fibbage4 = games.find((g) => g.title === 'Fibbage 4')!.id;
    const firstGame = games.find((g) => g.id !== fibbage4)!.id;
    w = { t, token, rooms, roomsToken, receiver, fibbage4, firstGame };
    // The same night on both servers: session 1, session game 1 played, session game 2 playing.
    for (const [app, admin] of [
      [t, token],
      [rooms, roomsToken],
    ] as const) {
      expect((await app.request('POST', '/api/sessions', { token: admin, body: {} })).body.id).toBe(
        1,
      );
      for (const game of [firstGame, fibbage4]) {
        const added = await app.request('POST', '/api/sessions/1/games', {
          token: admin,
          body: { game_id: game },
        });
        expect(added.status).toBe(201);
      }
    }
    // Webhook 1 and its delivery 1, delivered.
    const webhook = await t.request('POST', '/api/webhooks', {
      token,
      body: { name: 'receiver', url: receiver.url, events: ['game.added'] },
    });
    expect(webhook.body.id).toBe(1);
    const sent = await t.request('POST', '/api/webhooks/test/1', { token });
    expect(sent.body).toMatchObject({ delivery_id: 1, success: true });
    examples = errorExamples((await t.request('GET', '/api/docs-json')).body);
  });
  afterAll(async () => {
    await w?.receiver.close();
    await w?.rooms.close();
    await w?.t.close();
  });

  const check = async (example: ErrorExample, trigger: Trigger) => {
    const res = await trigger(w);
    expect([key(example), res.status, res.body]).toEqual([
      key(example),
      example.status,
      example.body,
    ]);
  };

  it('documents at least one error for every route that has one', () => {
    expect(examples.length).toBeGreaterThan(80);
  });

  it('sends the documented 401 bodies on every admin route', async () => {
    const admin = examples.filter((e) => e.status === 401 && e.operationId !== 'login');
    expect(admin.length).toBeGreaterThan(60);
    for (const example of admin) {
      const headers = UNAUTHORIZED[example.name];
      expect([key(example), headers !== undefined]).toEqual([key(example), true]);
      await check(example, (world) =>
        world.t.request(example.method.toUpperCase(), concrete(example.path), {
          headers: headers(world),
        }),
      );
    }
  });

  it('sends every other documented error body on its route, while session 1 is active', async () => {
    const others = examples.filter((e) => !(e.status === 401 && e.operationId !== 'login'));
    const unknown = others
      .map(key)
      .filter((k) => !WHILE_ACTIVE[k] && !AFTER_CLOSE[k] && !UNTRIGGERED[k]);
    expect(unknown).toEqual([]);
    for (const example of others) {
      const trigger = WHILE_ACTIVE[key(example)];
      if (trigger) await check(example, trigger);
    }
  });

  it('sends the documented errors that need the session closed', async () => {
    expect((await w.t.request('POST', '/api/sessions/1/close', { token: w.token })).status).toBe(
      200,
    );
    for (const example of examples) {
      const trigger = AFTER_CLOSE[key(example)];
      if (trigger) await check(example, trigger);
    }
    const stale = [...Object.keys(WHILE_ACTIVE), ...Object.keys(AFTER_CLOSE)].filter(
      (k) => !examples.some((e) => key(e) === k),
    );
    expect(stale).toEqual([]);
  });
});
