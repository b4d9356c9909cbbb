import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { deliveryBody, deliveryHeaders } from '../src/webhooks/webhook-signing';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import {
  freePort,
  startBotProcess,
  startProxy,
  type BotProcess,
  type Proxy,
} from './support/bot-process';
import { addGame, createSession, waitUntil } from './support/factories';

/**
 * The reference bot in examples/bot, run as its own process against the real app: chat lines
 * on its stdin become votes, the session's events come out as chat messages, a cut connection
 * and a restart of the bot itself resume where they stopped, and its webhook endpoint takes
 * only what the server signed.
 */
describe('the reference bot (examples/bot)', () => {
  let t: TestApp;
  let first: TestApp;
  let token: string;
  let dir: string;

  beforeAll(async () => {
    t = first = await startTestApp();
    token = await t.login();
    dir = mkdtempSync(path.join(os.tmpdir(), 'jackbox-bot-'));
  });

  afterAll(async () => {
    // After a restart, `t` is a second app on the first one's database, which it does not drop.
    await t.close();
    if (t !== first) await first.database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The ids of a session's events, as stored. */
  const storedEvents = async (sessionId: number) =>
    (
      await t.app
        .get(DataSource)
        .query<{ id: number }[]>(
          'SELECT id::int AS id FROM events WHERE session_id = $1 ORDER BY id',
          [sessionId],
        )
    ).map((row) => row.id);

  /** The ids of the events a bot logged it received, in the order it received them. */
  const receivedIds = (bot: BotProcess) =>
    bot.logLines(/^event (\d+) \S+ via websocket$/).map((m) => Number(m[1]));

  const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

  /** Waits until the bot has received every stored event of the session, then checks: once each. */
  async function receivesAll(bot: BotProcess, sessionId: number): Promise<void> {
    try {
      await waitUntil(
        async () => receivedIds(bot).length >= (await storedEvents(sessionId)).length,
      );
    } catch {
      throw new Error(
        `the bot received ${JSON.stringify(receivedIds(bot))} of ${JSON.stringify(await storedEvents(sessionId))}:\n${bot.log.join('\n')}`,
      );
    }
    expect(sorted(receivedIds(bot))).toEqual(await storedEvents(sessionId));
  }

  describe('over the WebSocket', () => {
    let proxy: Proxy;
    let bot: BotProcess;
    let sessionId: number;
    const stateFile = () => path.join(dir, 'live-state.json');
    const startBot = () =>
      startBotProcess({
        JACKBOX_URL: proxy.url,
        JACKBOX_ADMIN_KEY: ADMIN_KEY,
        BOT_STATE_FILE: stateFile(),
        BOT_RECONNECT_MAX_MS: '200',
      });

    beforeAll(async () => {
      proxy = await startProxy(t.url);
      bot = startBot();
    });

    afterAll(async () => {
      await bot.stop();
      await proxy.close();
    });

    it('turns chat lines into live votes timed by the chat and announces the events', async () => {
      await bot.logged(/^no active session: waiting for one to start$/);
      sessionId = (await createSession(t, token)).id;
      await addGame(t, token, sessionId, 'Quiplash 3');
      await bot.said(/^Coming up next: Quiplash 3 \(The Jackbox Party Pack 7\)!$/);

      const saidAt = new Date().toISOString();
      bot.type(`${saidAt} alice: thisgame++ what a game`);
      bot.type('bob: FIB4-- not again');
      bot.type('carol: just chatting, lol++');
      bot.type(`${saidAt} alice: thisgame-- changed my mind`);

      await bot.said(/^alice voted Quiplash 3 up: 1 up, 0 down$/);
      await bot.said(/^bob voted Fibbage 4 down: 0 up, 1 down$/);
      await bot.logged(/^vote refused \(409\): alice thisgame--: Duplicate vote/);

      const alice = await t.request('GET', '/api/votes?username=alice');
      expect(alice.body.votes).toEqual([
        expect.objectContaining({
          session_id: sessionId,
          game_title: 'Quiplash 3',
          vote_type: 'up',
          timestamp: saidAt,
        }),
      ]);
      const bob = await t.request('GET', '/api/votes?username=bob');
      expect(bob.body.votes).toEqual([
        expect.objectContaining({ game_title: 'Fibbage 4', vote_type: 'down' }),
      ]);
      // "lol" is no ticker of the catalog: carol's line cast no vote.
      expect((await t.request('GET', '/api/votes?username=carol')).body.votes).toEqual([]);

      // Everything the session stored reached the bot, once.
      await receivesAll(bot, sessionId);
    });

    it('resumes after a dropped connection with every missed event, none twice', async () => {
      const before = receivedIds(bot).length;
      const subscriptions = bot.logLines(/^subscribed to session/).length;
      proxy.drop();
      await bot.logged(/^disconnected/);

      // While the bot is cut off: a game, votes from another bot, a status change.
      const fibbage = await addGame(t, token, sessionId, 'Fibbage 4');
      for (const username of ['dave', 'erin']) {
        const vote = await t.request('POST', '/api/votes/live', {
          token,
          body: { username, vote: 'up', timestamp: new Date().toISOString() },
        });
        expect(vote.status).toBe(200);
      }
      await t.request('PATCH', `/api/sessions/${sessionId}/games/${fibbage.id}/status`, {
        token,
        body: { status: 'skipped' },
      });
      // The game, the previous game now played, two votes, the skip (at least).
      const missed = (await storedEvents(sessionId)).length - before;
      expect(missed).toBeGreaterThanOrEqual(4);
      expect(receivedIds(bot)).toHaveLength(before);

      proxy.restore();
      await waitUntil(() => bot.logLines(/^subscribed to session/).length > subscriptions);
      await receivesAll(bot, sessionId);
      expect(
        bot.logLines(new RegExp(`^subscribing to session ${sessionId} after event \\d+$`)),
      ).not.toHaveLength(0);
      await bot.said(/^Coming up next: Fibbage 4 \(The Jackbox Party Pack 9\)!$/);
      await bot.said(/^erin voted Fibbage 4 up: 2 up, 1 down$/);
      await bot.said(/^Skipping Fibbage 4\.$/);
    });

    it('resumes after the server restarts, with the events of the restarted server', async () => {
      const subscriptions = bot.logLines(/^subscribed to session/).length;
      // The bot cannot reconnect until the test says so, so the new server has events to replay.
      proxy.refuse();
      await t.app.close();
      await bot.logged(/^disconnected \(1001 Server shutting down\)$/);
      const restarted = await startTestApp({}, first.database);
      proxy.retarget(restarted.url);
      t = restarted;
      const vote = await t.request('POST', '/api/votes/live', {
        token,
        body: { username: 'gina', vote: 'up', timestamp: new Date().toISOString() },
      });
      expect(vote.status).toBe(200);

      proxy.restore();
      await bot.said(/^gina voted Fibbage 4 up: 3 up, 1 down$/);
      expect(bot.logLines(/^subscribed to session/).length).toBeGreaterThan(subscriptions);
      await receivesAll(bot, sessionId);
    });

    it('resumes from the position kept in its file after a restart', async () => {
      const firstRun = receivedIds(bot);
      expect(await bot.stop()).toBe(0);
      const vote = await t.request('POST', '/api/votes/live', {
        token,
        body: { username: 'frank', vote: 'down', timestamp: new Date().toISOString() },
      });
      expect(vote.status).toBe(200);
      await t.request('POST', `/api/sessions/${sessionId}/close`, { token, body: {} });

      bot = startBot();
      await bot.said(/^frank voted Fibbage 4 down: 3 up, 2 down$/);
      await bot.said(/^That's a wrap: \d+ games tonight\. Thanks for playing!$/);
      const stored = await storedEvents(sessionId);
      await waitUntil(() => firstRun.length + receivedIds(bot).length >= stored.length);
      // The new process got exactly what the old one had not: no gap, no repeat.
      expect(sorted([...firstRun, ...receivedIds(bot)])).toEqual(stored);
    });
  });

  describe('webhooks', () => {
    let bot: BotProcess;
    let receiverUrl: string;
    let secret: string;
    let webhookId: number;
    let session: { id: number };

    beforeAll(async () => {
      const port = await freePort();
      receiverUrl = `http://127.0.0.1:${port}/jackbox`;
      // No secret given: the server generates a `whsec_` one and shows it once.
      const created = await t.request('POST', '/api/webhooks', {
        token,
        body: { name: 'Reference bot', url: receiverUrl, events: ['game.added'] },
      });
      expect(created.status).toBe(201);
      secret = created.body.secret;
      webhookId = created.body.id;
      bot = startBotProcess({
        JACKBOX_URL: t.url,
        JACKBOX_ADMIN_KEY: ADMIN_KEY,
        BOT_WEBSOCKET: 'off',
        BOT_WEBHOOK_SECRET: secret,
        BOT_WEBHOOK_PORT: String(port),
      });
      await bot.logged(/^webhook receiver listening on /);
    });

    afterAll(async () => {
      await bot.stop();
    });

    it("verifies the server's deliveries and announces them", async () => {
      session = await createSession(t, token);
      await addGame(t, token, session.id, 'Drawful 2');
      await bot.said(/^Coming up next: Drawful 2 \(.+\)!$/);
      const logs = async () =>
        (await t.request('GET', `/api/webhooks/${webhookId}/logs`, { token })).body as unknown[];
      await waitUntil(async () => (await logs()).length === 1);
      expect(await logs()).toEqual([
        expect.objectContaining({ event: 'game.added', status_code: 200, success: true }),
      ]);
    });

    it('learns the ticker of a game created since it started once that game is added', async () => {
      const created = await t.request('POST', '/api/games', {
        token,
        body: {
          pack_name: 'House Games',
          title: 'Chat Bingo',
          min_players: 2,
          max_players: 12,
          ticker: 'BINGO',
        },
      });
      expect(created.status).toBe(201);
      const readings = bot.logLines(/^\d+ tickers known$/).length;
      await addGame(t, token, session.id, 'Chat Bingo');
      await bot.said(/^Coming up next: Chat Bingo \(House Games\)!$/);
      await waitUntil(() => bot.logLines(/^\d+ tickers known$/).length > readings);

      bot.type('hank: BINGO++ my favourite');
      await bot.logged(/^vote recorded: hank BINGO\+\+ -> Chat Bingo \(1 up, 0 down\)$/);
    });

    describe('refuses what the server did not sign', () => {
      const body = deliveryBody('game.added', new Date(), {
        session: { id: 1, is_active: true, games_played: 1 },
        game: { id: 1, title: 'Signed Game', pack_name: 'Test Pack' },
      });
      const signed = (overrides: { secret?: string; now?: Date; deliveryId?: number } = {}) =>
        deliveryHeaders({
          deliveryId: overrides.deliveryId ?? 900_001,
          eventType: 'game.added',
          body,
          secret: overrides.secret ?? secret,
          now: overrides.now ?? new Date(),
        });
      const post = async (headers: Record<string, string>, payload = body) => {
        const response = await fetch(receiverUrl, { method: 'POST', headers, body: payload });
        return { status: response.status, text: await response.text() };
      };

      it.each([
        [
          'another secret',
          () => signed({ secret: 'whsec_' + Buffer.from('x'.repeat(32)).toString('base64') }),
        ],
        [
          'a hex signature of another body',
          () => ({ ...signed(), 'x-webhook-signature': 'sha256=' + '0'.repeat(64) }),
        ],
        [
          'a Standard Webhooks signature of another id',
          () => ({ ...signed(), 'webhook-id': 'msg_1' }),
        ],
        ['a timestamp ten minutes old', () => signed({ now: new Date(Date.now() - 600_000) })],
        [
          'no Standard Webhooks headers',
          () => {
            const { 'webhook-signature': _, ...rest } = signed();
            return rest;
          },
        ],
        ['no signature at all', () => ({ 'content-type': 'application/json' })],
      ])('refuses %s with 401', async (_what, headers) => {
        expect((await post(headers())).status).toBe(401);
      });

      it('refuses a body changed after signing', async () => {
        const tampered = body.replace('Signed Game', 'Tampered Game');
        expect((await post(signed(), tampered)).status).toBe(401);
      });

      it('accepts a delivery signed with the secret, once per webhook-id', async () => {
        const headers = signed({ deliveryId: 900_002 });
        expect(await post(headers)).toEqual({ status: 200, text: 'OK' });
        await bot.said(/^Coming up next: Signed Game \(Test Pack\)!$/);
        expect(await post(headers)).toEqual({ status: 200, text: 'already handled' });
        // The signed one was announced once; nothing refused was announced.
        expect(bot.chat.filter((line) => line.includes('Signed Game'))).toHaveLength(1);
        expect(bot.chat.filter((line) => line.includes('Tampered Game'))).toHaveLength(0);
        expect(bot.logLines(/^webhook refused/).length).toBeGreaterThanOrEqual(7);
      });
    });
  });
});
