import { createHmac } from 'node:crypto';
import { LiveHub } from '../src/live/live-hub';
import { startTestApp, type TestApp } from './support/app';
import { signatureIsValid, startBot, startBotReceiver } from './support/bot';
import { addGame, createSession, gameId, waitUntil } from './support/factories';
import { ofType } from './support/ws';

const SECRET = 'bot_flow_secret_123';

/** What a chat bot does with a chat line: `thisgame++` / `thisgame--` become a live vote. */
function chatLineToVote(message: string): 'up' | 'down' | undefined {
  if (message.includes('thisgame++')) return 'up';
  if (message.includes('thisgame--')) return 'down';
  return undefined;
}

describe('bot flows, end to end', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.login();
  });
  afterAll(() => t.close());

  it('a bot that relays chat votes gets each vote back field for field, and a 409 {error} for a second vote within a second', async () => {
    const session = await createSession(t, token);
    await addGame(t, token, session.id, 'Fibbage 4');
    const fibbage = await gameId(t, 'Fibbage 4');
    const before = (await t.request('GET', `/api/games/${fibbage}`)).body;
    const relay = (username: string, message: string, timestamp: string) => {
      const vote = chatLineToVote(message);
      return vote
        ? t.request('POST', '/api/votes/live', { token, body: { username, vote, timestamp } })
        : undefined;
    };

    const first = await relay('TestUser', 'wow thisgame++', '2030-01-01T20:00:00.000Z');
    expect(first?.status).toBe(200);
    expect(first?.body).toEqual({
      success: true,
      message: 'Vote recorded successfully',
      session: { id: session.id, games_played: 1 },
      game: {
        id: fibbage,
        title: 'Fibbage 4',
        upvotes: before.upvotes + 1,
        downvotes: before.downvotes,
        popularity_score: before.popularity_score + 1,
      },
      vote: { username: 'TestUser', type: 'up', timestamp: '2030-01-01T20:00:00.000Z' },
    });

    const other = await relay('OtherUser', 'thisgame-- nope', '2030-01-01T20:00:00.200Z');
    expect(other?.body.game).toEqual({
      id: fibbage,
      title: 'Fibbage 4',
      upvotes: before.upvotes + 1,
      downvotes: before.downvotes + 1,
      popularity_score: before.popularity_score,
    });

    // The same user again, 500 ms after their first vote.
    const duplicate = await relay('TestUser', 'thisgame++ again', '2030-01-01T20:00:00.500Z');
    expect(duplicate?.status).toBe(409);
    expect(duplicate?.body).toEqual({
      error: 'Duplicate vote: TestUser already voted within 1 second of 2030-01-01T20:00:00.500Z',
    });
    expect(relay('Lurker', 'just chatting', '2030-01-01T20:00:01.000Z')).toBeUndefined();
    expect((await t.request('GET', `/api/games/${fibbage}`)).body).toMatchObject({
      upvotes: before.upvotes + 1,
      downvotes: before.downvotes + 1,
    });
  });

  it('a bot on the WebSocket authenticates, subscribes to the session it fetched over HTTP, announces the next game, and reconnects when the server closes the socket', async () => {
    const session = await createSession(t, token);
    const bot = startBot(t.url, token);
    try {
      const socket = await bot.connected(1);
      expect(socket.messages).toEqual([
        { type: 'auth_success', message: 'Authenticated successfully' },
        {
          type: 'subscribed',
          sessionId: session.id,
          message: `Subscribed to session ${session.id}`,
        },
      ]);

      const added = await addGame(t, token, session.id, 'Fibbage 4');
      expect(await socket.next(ofType('game.added'))).toEqual({
        type: 'game.added',
        id: expect.any(Number),
        timestamp: expect.any(String),
        data: {
          session: { id: session.id, is_active: true, games_played: 1 },
          game: {
            id: added.game_id,
            title: 'Fibbage 4',
            pack_name: 'The Jackbox Party Pack 9',
            min_players: 2,
            max_players: 8,
            manually_added: false,
            source: 'dice',
            room_code: null,
          },
        },
      });
      expect(bot.announcements).toEqual(['Next up: Fibbage 4 (The Jackbox Party Pack 9)']);

      // The application-level heartbeat a bot sends to keep proxies from idling it out.
      socket.send({ type: 'ping' });
      expect(await socket.next(ofType('pong'))).toEqual({ type: 'pong' });

      // The server closes every socket, as it does when it shuts down for a restart.
      t.app.get(LiveHub).closeAll(1001, 'Server shutting down');
      expect(await socket.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
      const again = await bot.connected(2);
      expect(again.messages.map((m) => m.type)).toEqual(['auth_success', 'subscribed']);
      await addGame(t, token, session.id, 'Quiplash 3');
      await again.next(ofType('game.added'));
      expect(bot.announcements).toEqual([
        'Next up: Fibbage 4 (The Jackbox Party Pack 9)',
        'Next up: Quiplash 3 (The Jackbox Party Pack 7)',
      ]);
    } finally {
      bot.stop();
    }
  });

  it('a bot that receives webhooks on plain node:http verifies each signature over the raw body and answers 200', async () => {
    const receiver = await startBotReceiver(SECRET);
    try {
      const hook = (
        await t.request('POST', '/api/webhooks', {
          token,
          body: {
            name: 'Bot',
            url: `${receiver.url}/hook`,
            secret: SECRET,
            events: ['game.added'],
          },
        })
      ).body;
      const session = await createSession(t, token);
      await addGame(t, token, session.id, 'Quiplash 3');
      await receiver.waitForAnswers(1);
      expect(receiver.answers).toEqual([200]);
      expect(receiver.announcements).toEqual(['Next up: Quiplash 3 (The Jackbox Party Pack 7)']);

      const test = await t.request('POST', `/api/webhooks/test/${hook.id}`, { token });
      expect(test.body).toMatchObject({ success: true, status_code: 200, error: null });
      expect(receiver.announcements).toEqual([
        'Next up: Quiplash 3 (The Jackbox Party Pack 7)',
        'Next up: Test Game (Test Pack)',
      ]);
      // Successful attempts are logged in batches, a moment after the answer.
      const readLogs = async () =>
        (await t.request('GET', `/api/webhooks/${hook.id}/logs`, { token })).body;
      await waitUntil(async () => (await readLogs()).length === 2);
      const logs = await readLogs();
      expect(logs.map((a: any) => [a.event, a.status_code, a.success, a.response_body])).toEqual([
        ['game.added', 200, true, 'OK'],
        ['game.added', 200, true, 'OK'],
      ]);

      // The check can fail: a body signed with another secret is turned away.
      const forged = JSON.stringify({ event: 'game.added', data: { game: { title: 'Forged' } } });
      const refused = await fetch(`${receiver.url}/hook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-webhook-signature': 'sha256=' + '0'.repeat(64),
        },
        body: forged,
      });
      expect(refused.status).toBe(401);
      expect(receiver.announcements).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });

  it('a signature check accepts the exact signed bytes and nothing else', () => {
    const body = '{"event":"game.added","timestamp":"2030-01-01T20:00:00.000Z","data":{}}';
    const header = 'sha256=' + createHmac('sha256', SECRET).update(body).digest('hex');
    expect(signatureIsValid(header, body, SECRET)).toBe(true);
    expect(signatureIsValid(header, body + ' ', SECRET)).toBe(false);
    expect(signatureIsValid(header, body, 'another_secret_123')).toBe(false);
    expect(signatureIsValid(header.slice(0, -1), body, SECRET)).toBe(false);
    expect(signatureIsValid(header.replace('sha256=', 'sha1='), body, SECRET)).toBe(false);
    expect(signatureIsValid(undefined, body, SECRET)).toBe(false);
  });
});
