import jwt from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { RELAY_APPLICATION_NAME } from '../src/events/event-relay';
import { LiveHub } from '../src/live/live-hub';
import { JWT_SECRET, startTestApp, type TestApp } from './support/app';
import { addGame, createSession, gameId, waitUntil } from './support/factories';
import { adminQuery } from './support/database';
import { authedSocket, ofType, openSocket, type TestSocket } from './support/ws';

/**
 * Stores `session-game.updated` events {n, pad} for n = from..to, never announced: the relay's look-back
 * finds them all at once, within a second.
 */
async function storeUnannounced(
  t: TestApp,
  sessionId: number,
  from: number,
  to = from,
  padBytes = 0,
) {
  await t.app.get(DataSource).query(
    `INSERT INTO events (type, session_id, payload)
     SELECT 'session-game.updated', $1, json_build_object('n', n, 'pad', repeat('x', $4))
     FROM generate_series($2::int, $3::int) AS n`,
    [sessionId, from, to, padBytes],
  );
}
const statusNumbers = (s: TestSocket) =>
  s.messages.filter((m) => m.type === 'session-game.updated').map((m) => m.data.n);
const upTo = (count: number) => Array.from({ length: count }, (_, i) => i + 1);

describe('live WebSocket', () => {
  let t: TestApp;
  let token: string;
  const sockets: TestSocket[] = [];
  const track = <S extends TestSocket>(s: S) => (sockets.push(s), s);
  const api = (method: string, path: string, body?: unknown) =>
    t.request(method, path, { token, body });

  /** A new active session with `count` stored, never announced `session-game.updated` events. */
  async function sessionWithStoredEvents(count: number, padBytes = 0): Promise<number> {
    const session = await createSession(t, token);
    await storeUnannounced(t, session.id, 1, count, padBytes);
    return session.id;
  }

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.login();
  });
  afterEach(() => {
    sockets.splice(0).forEach((s) => s.socket.terminate());
  });
  afterAll(() => t.close());

  describe('protocol', () => {
    it('answers ping with pong, before and after auth', async () => {
      const s = track(await openSocket(t.url));
      s.send({ type: 'ping' });
      expect(await s.next(ofType('pong'))).toEqual({ type: 'pong' });
    });

    it('refuses a bad or missing token with auth_error', async () => {
      const s = track(await openSocket(t.url));
      s.send({ type: 'auth', token: 'nope' });
      expect(await s.next(ofType('auth_error'))).toEqual({
        type: 'auth_error',
        message: 'Invalid or expired token',
      });
      s.send({ type: 'auth' });
      expect(
        await s.next((m) => m.type === 'auth_error' && m.message === 'Token required'),
      ).toBeTruthy();
    });

    it('answers errors for malformed JSON, unknown types, and anything but auth and ping before auth', async () => {
      const s = track(await openSocket(t.url));
      s.send('{oops');
      s.send('[1,2]');
      s.send({ type: 'dance' });
      s.send({ type: 'subscribe', sessionId: 1 });
      s.send({ type: 'unsubscribe', sessionId: 1 });
      await waitUntil(() => s.messages.length === 5);
      expect(s.messages).toEqual([
        { type: 'error', message: 'Message is not valid JSON' },
        { type: 'error', message: 'Message must be a JSON object with a string "type"' },
        {
          type: 'error',
          message:
            'Unknown message type "dance" (expected auth, subscribe, unsubscribe, ping, page_focus or poll.leading)',
        },
        {
          type: 'error',
          message: 'Not authenticated: send {"type": "auth", "token": "..."} first',
        },
        {
          type: 'error',
          message: 'Not authenticated: send {"type": "auth", "token": "..."} first',
        },
      ]);
    });

    it('refuses subscribing to a missing session or a bad id', async () => {
      const s = track(await authedSocket(t.url, token));
      s.send({ type: 'subscribe', sessionId: 999999 });
      expect(await s.next(ofType('error'))).toEqual({
        type: 'error',
        message: 'Session 999999 not found',
      });
      s.send({ type: 'subscribe', sessionId: '12' });
      expect(
        await s.next((m) => m.message === 'sessionId must be a positive integer'),
      ).toBeTruthy();
    });

    it('sends session.started to every authenticated socket and the session events to its subscribers only', async () => {
      const watcher = track(await authedSocket(t.url, token));
      const anonymous = track(await openSocket(t.url));
      const session = await createSession(t, token, { notes: 'n' });
      const started = await watcher.next(ofType('session.started'));
      expect(started).toEqual({
        type: 'session.started',
        id: expect.any(Number),
        timestamp: expect.any(String),
        data: {
          session: { id: session.id, is_active: true, created_at: session.created_at, notes: 'n' },
        },
      });

      const subscriber = track(await authedSocket(t.url, token));
      subscriber.send({ type: 'subscribe', sessionId: session.id });
      expect(await subscriber.next(ofType('subscribed'))).toEqual({
        type: 'subscribed',
        sessionId: session.id,
        message: `Subscribed to session ${session.id}`,
      });

      const added = (
        await api('POST', `/api/sessions/${session.id}/games`, {
          game_id: await gameId(t, 'Fibbage 4'),
          room_code: 'ABCD',
        })
      ).body;
      const event = await subscriber.next(ofType('game.added'));
      expect(event).toEqual({
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
            room_code: 'ABCD',
          },
        },
      });
      await api('POST', '/api/votes/live', {
        username: 'chatter',
        vote: 'up',
        timestamp: new Date().toISOString(),
      });
      expect((await subscriber.next(ofType('vote.received'))).data.vote).toMatchObject({
        username: 'chatter',
        type: 'up',
      });
      await api('PATCH', `/api/sessions/${session.id}/games/${added.id}/player-count`, {
        player_count: 5,
      });
      expect(
        (await subscriber.next(ofType('session-game.updated'))).data.session_game.player_count,
      ).toBe(5);
      await api('POST', `/api/sessions/${session.id}/close`, {});
      expect((await subscriber.next(ofType('session.ended'))).data).toEqual({
        session: { id: session.id, is_active: false, games_played: 1 },
      });

      // Markers: every session event has reached the subscriber, so anything meant for the
      // other two sockets was written to them before they are asked for a pong.
      watcher.send({ type: 'ping' });
      anonymous.send({ type: 'ping' });
      await watcher.next(ofType('pong'));
      await anonymous.next(ofType('pong'));
      expect(watcher.messages.map((m) => m.type)).toEqual([
        'auth_success',
        'session.started',
        'pong',
      ]);
      expect(anonymous.messages).toEqual([{ type: 'pong' }]);
    });

    it('stops sending a session events after unsubscribe', async () => {
      const session = await createSession(t, token);
      const s = track(await authedSocket(t.url, token));
      const stillSubscribed = track(await authedSocket(t.url, token));
      for (const socket of [s, stillSubscribed]) {
        socket.send({ type: 'subscribe', sessionId: session.id });
        await socket.next(ofType('subscribed'));
      }
      s.send({ type: 'unsubscribe', sessionId: session.id });
      expect(await s.next(ofType('unsubscribed'))).toEqual({
        type: 'unsubscribed',
        sessionId: session.id,
        message: `Unsubscribed from session ${session.id}`,
      });
      await addGame(t, token, session.id, 'Quiplash 3');
      // Once the other subscriber has the event it has been handed to every subscriber; the
      // reply to this later message is then the marker after which it would have been.
      await stillSubscribed.next(ofType('game.added'));
      s.send({ type: 'unsubscribe', sessionId: session.id });
      expect(await s.next((m) => m.type === 'error')).toEqual({
        type: 'error',
        message: `Not subscribed to session ${session.id}`,
      });
      expect(s.messages.map((m) => m.type)).toEqual([
        'auth_success',
        'subscribed',
        'unsubscribed',
        'error',
      ]);
    });
  });

  describe('resume with lastEventId', () => {
    it('replays what a bot missed while disconnected, in order, then goes live with no gap and no duplicate', async () => {
      const session = await createSession(t, token);
      await api('POST', `/api/sessions/${session.id}/games`, {
        game_id: await gameId(t, 'Job Job'),
      });
      const first = track(await authedSocket(t.url, token));
      first.send({ type: 'subscribe', sessionId: session.id });
      await first.next(ofType('subscribed'));

      // A steady stream of votes, before, during and after the disconnect.
      let voting = true;
      let sent = 0;
      const producer = (async () => {
        while (voting) {
          await api('POST', '/api/votes/live', {
            username: `v${sent++}`,
            vote: 'up',
            timestamp: new Date().toISOString(),
          });
        }
      })();
      await first.next((m) => m.type === 'vote.received' && m.data.vote.username === 'v5');
      first.socket.terminate();
      const seenBefore = first.messages.filter((m) => m.id !== undefined);
      const lastEventId = seenBefore[seenBefore.length - 1].id;
      // Events keep coming while the bot is away: wait until a few more are stored.
      const storedAfter = async (id: number) =>
        Number(
          (
            await t.app
              .get(DataSource)
              .query('SELECT count(*)::int AS n FROM events WHERE session_id = $1 AND id > $2', [
                session.id,
                id,
              ])
          )[0].n,
        );
      await waitUntil(async () => (await storedAfter(lastEventId)) >= 5);

      const second = track(await authedSocket(t.url, token));
      second.send({ type: 'subscribe', sessionId: session.id, lastEventId });
      await second.next(ofType('subscribed'));
      // And keep coming after it is back: wait until it has some that were stored after it
      // subscribed, so they reached it live rather than in the replay.
      const [{ atSubscribe }] = await t.app
        .get(DataSource)
        .query('SELECT max(id)::int AS "atSubscribe" FROM events WHERE session_id = $1', [
          session.id,
        ]);
      await second.next((m) => m.id > atSubscribe + 3);
      voting = false;
      await producer;
      const [{ max }] = await t.app
        .get(DataSource)
        .query('SELECT max(id)::int AS max FROM events WHERE session_id = $1', [session.id]);
      await second.next((m) => m.id === max);

      const stored = (
        await t.app
          .get(DataSource)
          .query('SELECT id::int AS id FROM events WHERE session_id = $1 ORDER BY id', [session.id])
      ).map((r: any) => r.id);
      const received = [...seenBefore, ...second.messages.filter((m) => m.id !== undefined)].map(
        (m) => m.id,
      );
      expect(received).toEqual(stored.filter((id: number) => id >= seenBefore[0].id));
      expect(second.messages.filter((m) => m.id !== undefined).length).toBeGreaterThan(3);
    });

    it('replays more than a page of missed events, in order', async () => {
      const sessionId = await sessionWithStoredEvents(2500);
      const s = track(await authedSocket(t.url, token));
      s.send({ type: 'subscribe', sessionId, lastEventId: 0 });
      await waitUntil(() => statusNumbers(s).length >= 2500);
      // The relay's look-back also finds these unannounced events; the bot must not get them
      // twice. One more unannounced event is the marker: only a look-back finds it, and a
      // look-back publishes in id order, so any duplicate would come before it.
      await storeUnannounced(t, sessionId, 2501);
      await waitUntil(() => statusNumbers(s).includes(2501));
      expect(statusNumbers(s)).toEqual(upTo(2501));
    });

    it('paces a large backlog to a bot that reads slowly instead of dropping it', async () => {
      // 6 MB of missed events, far more than a socket may have unread (1 MiB here).
      const sessionId = await sessionWithStoredEvents(3000, 2000);
      const s = track(await authedSocket(t.url, token));
      const tcp = (s.socket as any)._socket;
      tcp.pause();
      s.send({ type: 'subscribe', sessionId, lastEventId: 0 });
      // The bot has stopped reading once its socket's buffer is full and unread: from then on
      // the backlog piles up in the kernel and on the server.
      await waitUntil(() => tcp.readableLength >= tcp.readableHighWaterMark);
      tcp.resume();
      await waitUntil(() => statusNumbers(s).length >= 3000, 15_000);
      expect(statusNumbers(s)).toEqual(upTo(3000));
      expect(s.socket.readyState).toBe(s.socket.OPEN);
    });

    it('stops a replay when the bot unsubscribes during it', async () => {
      const sessionId = await sessionWithStoredEvents(5000);
      const s = track(await authedSocket(t.url, token));
      s.send({ type: 'subscribe', sessionId, lastEventId: 0 });
      await s.next((m) => m.type === 'session-game.updated');
      s.send({ type: 'unsubscribe', sessionId });
      await s.next(ofType('unsubscribed'));
      const received = statusNumbers(s);
      expect(received.length).toBeLessThan(5000);
      // Subscribing again from the last event it got must give exactly the rest, once: had the
      // first replay gone on after the unsubscribe, its events would show up twice.
      const lastId = s.messages.filter((m) => m.type === 'session-game.updated').pop().id;
      s.send({ type: 'subscribe', sessionId, lastEventId: lastId });
      await waitUntil(() => statusNumbers(s).includes(5000), 15_000);
      s.send({ type: 'ping' });
      await s.next(ofType('pong'));
      expect(statusNumbers(s)).toEqual(upTo(5000));
    });

    it('forgets a socket that closes while its subscribe is being handled', async () => {
      const session = await createSession(t, token);
      const clientsBefore = t.app.get(LiveHub).size;
      for (let i = 0; i < 10; i++) {
        const s = await authedSocket(t.url, token);
        s.send({ type: 'subscribe', sessionId: session.id });
        s.socket.terminate();
      }
      const hub = t.app.get(LiveHub);
      await waitUntil(() => hub.size === clientsBefore);
      // A later socket's subscribe is handled after theirs: it must be the only subscriber.
      const marker = track(await authedSocket(t.url, token));
      marker.send({ type: 'subscribe', sessionId: session.id });
      await marker.next(ofType('subscribed'));
      expect(hub.subscriberCount(session.id)).toBe(1);
    });

    it("goes live after a lastEventId beyond the session's events (one from another session)", async () => {
      const session = await createSession(t, token);
      const s = track(await authedSocket(t.url, token));
      s.send({ type: 'subscribe', sessionId: session.id, lastEventId: 1e12 });
      await s.next(ofType('subscribed'));
      await api('POST', `/api/sessions/${session.id}/games`, {
        game_id: await gameId(t, 'Fibbage 4'),
      });
      expect((await s.next(ofType('game.added'))).data.game.title).toBe('Fibbage 4');
    });

    it('refuses a bad lastEventId', async () => {
      const session = await createSession(t, token);
      const s = track(await authedSocket(t.url, token));
      s.send({ type: 'subscribe', sessionId: session.id, lastEventId: 'yesterday' });
      expect((await s.next(ofType('error'))).message).toMatch(/^lastEventId must be/);
    });
  });
});

describe('live WebSocket hardening', () => {
  const HEARTBEAT_MS = 1_000;
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({
      live: {
        authTimeoutMs: 2_000,
        heartbeatMs: HEARTBEAT_MS,
        messagesPer10s: 5,
        maxBufferedBytes: 256 * 1024,
        presenceTimeoutMs: 45_000,
      },
    });
    token = await t.login();
  });
  afterAll(() => t.close());

  it('closes a socket that does not authenticate in time with 4401', async () => {
    const s = await openSocket(t.url);
    expect(await s.closed).toEqual({ code: 4401, reason: 'Authentication timeout' });
  });

  it('closes a socket whose token expires with 4401', async () => {
    // Two to three seconds left (`exp` is in whole seconds): time enough to authenticate on a
    // busy machine, and real time the server must let pass; only the outcome is checked.
    const exp = Math.floor(Date.now() / 1000) + 3;
    const shortLived = jwt.sign({ role: 'admin', name: 'Admin', exp }, JWT_SECRET, {
      algorithm: 'HS256',
    });
    const s = await authedSocket(t.url, shortLived);
    expect(await s.closed).toEqual({ code: 4401, reason: 'Token expired' });
  });

  it('keeps a socket whose token outlives what a timer can wait (30 days)', async () => {
    const longLived = jwt.sign({ role: 'admin', name: 'Admin' }, JWT_SECRET, {
      algorithm: 'HS256',
      expiresIn: '30d',
    });
    const s = await authedSocket(t.url, longLived);
    // A timer asked to wait longer than 2^31 ms fires at once instead; the server's next
    // heartbeat (every second here) comes after such a misfire would have closed the socket.
    await new Promise((resolve) => s.socket.once('ping', resolve));
    s.send({ type: 'ping' });
    await s.next(ofType('pong'));
    expect(s.socket.readyState).toBe(s.socket.OPEN);
    s.socket.terminate();
  });

  it('closes a socket that sends a frame over 64 KiB with 1009', async () => {
    const s = await authedSocket(t.url, token);
    s.send({ type: 'ping', padding: 'x'.repeat(65 * 1024) });
    expect((await s.closed).code).toBe(1009);
  });

  it('closes a socket that sends too many messages with 4429', async () => {
    const s = await authedSocket(t.url, token);
    for (let i = 0; i < 10; i++) s.send({ type: 'ping' });
    expect(await s.closed).toEqual({ code: 4429, reason: 'Too many messages' });
  });

  it('handles none of the messages a socket sends once it is being closed for sending too many', async () => {
    const observer = await authedSocket(t.url, token);
    const s = await authedSocket(t.url, token);
    // The auth and four focuses are within the limit of 5; the close handshake that follows
    // can take a client 30 s, and before, every frame sent meanwhile was handled.
    for (let i = 1; i <= 30; i++) s.send({ type: 'page_focus', page: `/flood-${i}` });
    expect((await s.closed).code).toBe(4429);
    // The observer hears every focus handled; its own comes after all of the closed socket's.
    observer.send({ type: 'page_focus', page: '/mark' });
    await observer.next((m) => m.type === 'presence_update' && JSON.stringify(m).includes('/mark'));
    const heard = JSON.stringify(observer.messages);
    expect(heard).toContain('/flood-4');
    expect(heard).not.toContain('/flood-6');
    observer.socket.terminate();
  });

  it('names an unknown message type back cut at 64 characters', async () => {
    const s = await authedSocket(t.url, token);
    s.send({ type: 'x'.repeat(60_000) });
    const answer = await s.next(ofType('error'));
    expect(answer.message).toMatch(/^Unknown message type "x{64}\.\.\." \(expected auth, /);
    s.socket.terminate();
  });

  it('terminates a peer that sends pongs unasked but answers no ping', async () => {
    const s = await authedSocket(t.url, token, { autoPong: false });
    const unasked = setInterval(() => s.socket.pong('unasked'), HEARTBEAT_MS / 4);
    try {
      expect((await s.closed).code).toBe(1006);
    } finally {
      clearInterval(unasked);
    }
  });

  it('terminates a peer that stops answering protocol pings', async () => {
    const s = await authedSocket(t.url, token, { autoPong: false });
    expect((await s.closed).code).toBe(1006);
  });

  it('keeps a peer whose answer sits unread because this process stalled', async () => {
    const s = await authedSocket(t.url, token);
    const ping = () =>
      new Promise((resolve, reject) => {
        s.socket.once('ping', resolve);
        s.socket.once('close', (code) => reject(new Error(`dropped with ${code}`)));
      });
    await ping(); // answered at once, but the server reads the answer only after...
    // ...this busy wait: the server runs in this process, so it stalls past two heartbeats.
    const until = Date.now() + 3 * HEARTBEAT_MS;
    while (Date.now() < until);
    await ping();
    await ping();
    expect(s.socket.readyState).toBe(s.socket.OPEN);
    s.socket.terminate();
  });
});

describe('live WebSocket, a subscriber that stops reading', () => {
  const LIMIT = 64 * 1024;
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    // The heartbeat (30 s) never comes during these tests: only the unread-bytes limit can drop.
    t = await startTestApp({
      live: {
        authTimeoutMs: 10_000,
        heartbeatMs: 30_000,
        messagesPer10s: 100,
        maxBufferedBytes: LIMIT,
        presenceTimeoutMs: 45_000,
      },
    });
    token = await t.login();
  });
  afterAll(() => t.close());

  const started = (s: TestSocket) => s.messages.filter((m) => m.type === 'session.started');

  it('is dropped once it has more than the limit unread, even when the kernel holds it all', async () => {
    const hub = t.app.get(LiveHub);
    const reader = await authedSocket(t.url, token);
    const stalled = await authedSocket(t.url, token);
    const open = hub.size;
    const tcp = (stalled.socket as any)._socket;
    tcp.pause();
    // 20 frames of 20 KB: six times the limit, yet few enough for the kernel's socket buffers
    // to take them all, so that nothing is left waiting in Node's own buffer.
    const notes = 'x'.repeat(20_000);
    for (let i = 0; i < 20; i++) {
      const session = await createSession(t, token, { notes });
      await t.request('POST', `/api/sessions/${session.id}/close`, { token, body: {} });
    }
    await waitUntil(() => started(reader).length === 20);
    await waitUntil(() => hub.size === open - 1);
    expect(reader.socket.readyState).toBe(reader.socket.OPEN);

    tcp.resume();
    expect((await stalled.closed).code).toBe(1006); // terminated, no close frame
    expect(started(stalled).length).toBeLessThan(20);
    reader.socket.terminate();
  });

  it('keeps a subscriber that reads through a burst of session events over the limit', async () => {
    const session = await createSession(t, token);
    const reader = await authedSocket(t.url, token);
    reader.send({ type: 'subscribe', sessionId: session.id });
    await reader.next(ofType('subscribed'));
    // 200 events of 2 KB, delivered in one go: six times the limit.
    await storeUnannounced(t, session.id, 1, 200, 2000);
    await waitUntil(() => statusNumbers(reader).length >= 200);
    expect(statusNumbers(reader)).toEqual(upTo(200));
    reader.send({ type: 'ping' });
    await reader.next(ofType('pong'));
    expect(reader.socket.readyState).toBe(reader.socket.OPEN);
    reader.socket.terminate();
  });
});

describe('live WebSocket across instances and on shutdown', () => {
  it('delivers events caused on one instance to a bot connected to another', async () => {
    const a = await startTestApp();
    const b = await startTestApp({}, a.database);
    try {
      const token = await a.login();
      const bot = await authedSocket(b.url, token);
      const session = (await a.request('POST', '/api/sessions', { token, body: {} })).body;
      expect((await bot.next(ofType('session.started'))).data.session.id).toBe(session.id);
      bot.send({ type: 'subscribe', sessionId: session.id });
      await bot.next(ofType('subscribed'));
      await a.request('POST', `/api/sessions/${session.id}/games`, {
        token,
        body: { game_id: await gameId(a, 'Fibbage 4') },
      });
      expect((await bot.next(ofType('game.added'))).data.game.title).toBe('Fibbage 4');
      await a.request('POST', '/api/votes/live', {
        token,
        body: { username: 'x', vote: 'down', timestamp: new Date().toISOString() },
      });
      expect((await bot.next(ofType('vote.received'))).data.vote.type).toBe('down');

      // Instance B's listening connection drops; what A commits meanwhile still reaches B's bot.
      await adminQuery(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
        [a.database.name, RELAY_APPLICATION_NAME],
      );
      await a.request('POST', `/api/sessions/${session.id}/close`, { token, body: {} });
      expect((await bot.next(ofType('session.ended'))).data.session.id).toBe(session.id);

      // An event whose instance died before announcing it (written here with no announcement)
      // is still found by the relays' look-back.
      await a.app
        .get(DataSource)
        .query(
          `INSERT INTO events (type, session_id, payload) VALUES ('session-game.updated', $1, '{"orphan": true}')`,
          [session.id],
        );
      expect((await bot.next(ofType('session-game.updated'))).data).toEqual({
        orphan: true,
      });
      // That look-back is where a late duplicate would come from; it came before this marker.
      expect(bot.messages.map((m) => m.type)).toEqual([
        'auth_success',
        'session.started',
        'subscribed',
        'game.added',
        'vote.received',
        'session.ended',
        'session-game.updated',
      ]);
      bot.socket.terminate();
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('gives a bot the events of a session in commit order, once, while both instances write to it', async () => {
    const a = await startTestApp();
    const b = await startTestApp({}, a.database);
    try {
      const token = await a.login();
      const session = (await a.request('POST', '/api/sessions', { token, body: {} })).body;
      await a.request('POST', `/api/sessions/${session.id}/games`, {
        token,
        body: { game_id: await gameId(a, 'Fibbage 4') },
      });
      const bots = [await authedSocket(a.url, token), await authedSocket(b.url, token)];
      for (const bot of bots) {
        bot.send({ type: 'subscribe', sessionId: session.id });
        await bot.next(ofType('subscribed'));
      }
      const [{ id: before }] = await a.app
        .get(DataSource)
        .query('SELECT max(id)::int AS id FROM events');
      // Votes land on both instances at once, as behind a load balancer.
      await Promise.all(
        Array.from({ length: 8 }, async (_, worker) => {
          const instance = worker % 2 ? b : a;
          for (let i = 0; i < 15; i++) {
            await instance.request('POST', '/api/votes/live', {
              token,
              body: {
                username: `w${worker}-${i}`,
                vote: 'up',
                timestamp: new Date().toISOString(),
              },
            });
          }
        }),
      );
      const stored = (
        await a.app
          .get(DataSource)
          .query(
            'SELECT id::int AS id FROM events WHERE session_id = $1 AND id > $2 ORDER BY xid, id',
            [session.id, before],
          )
      ).map((r: { id: number }) => r.id);
      expect(stored).toHaveLength(120);
      // A late duplicate would come from a relay's look-back; an event stored with no
      // announcement is found only by a look-back, after anything it would duplicate.
      const [{ id: marker }] = await a.app
        .get(DataSource)
        .query(
          `INSERT INTO events (type, session_id, payload) VALUES ('session-game.updated', $1, '{"marker": true}') RETURNING id::int AS id`,
          [session.id],
        );
      for (const bot of bots) {
        await bot.next((m) => m.id === marker);
        const received = bot.messages.filter((m) => m.id > before).map((m) => m.id);
        expect(received).toEqual([...stored, marker]);
        bot.socket.terminate();
      }
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('closes sockets with 1001 when the server shuts down', async () => {
    const t = await startTestApp();
    const token = await t.login();
    const s = await authedSocket(t.url, token);
    const closing = t.close();
    expect(await s.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    await closing;
  });
});
