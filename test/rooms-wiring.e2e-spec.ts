import { DataSource } from 'typeorm';
import { RoomsService } from '../src/rooms/rooms.service';
import { startTestApp, testConfig, type TestApp } from './support/app';
import { startBot, type LiveBot } from './support/bot';
import { addGame, createSession, waitUntil } from './support/factories';
import { ofType } from './support/ws';
import { FakeEcast, lobbyBlob, postGameBlob } from './support/fake-ecast';
import { startReceiver, type Receiver } from './support/receiver';
import { scrape } from './support/metrics';

/**
 * Room monitoring wired to sessions: a session game's room code starts a monitor against a fake
 * ecast service, and what it sees reaches bots and webhooks as events, once each, in order.
 */

const ROOM_EVENTS = [
  'room.connected',
  'lobby.player-joined',
  'lobby.updated',
  'game.started',
  'game.ended',
  'room.disconnected',
];

describe('room monitoring, wired', () => {
  let fake: FakeEcast;
  let t: TestApp;
  let token: string;
  let receiver: Receiver;
  const bots: LiveBot[] = [];
  const api = (method: string, path: string, body?: unknown) =>
    t.request(method, path, { token, body });

  beforeAll(async () => {
    fake = await FakeEcast.start();
    receiver = await startReceiver();
    t = await startTestApp({
      rooms: { ...testConfig('').rooms, enabled: true, ecastBaseUrl: fake.baseUrl, max: 2 },
    });
    token = await t.login();
    const hook = await api('POST', '/api/webhooks', {
      name: 'Rooms',
      url: receiver.url,
      secret: 'rooms-secret',
      events: [...ROOM_EVENTS, 'player-count.updated'],
    });
    expect(hook.status).toBe(201);
  });

  afterEach(() => bots.splice(0).forEach((b) => b.stop()));

  afterAll(async () => {
    await t.close();
    await fake.close();
    await receiver.close();
  });

  /** The room events a bot received, as `type` or `type:detail`. */
  const roomEvents = (bot: LiveBot) =>
    bot.connections
      .flatMap((c) => c.messages)
      .filter((m) => ROOM_EVENTS.includes(m.type))
      .map((m) =>
        m.type === 'lobby.player-joined'
          ? `${m.type}:${m.data.player.name}`
          : m.type === 'room.disconnected'
            ? `${m.type}:${m.data.reason}`
            : m.type,
      );
  /**
   * The room events delivered, in their events' order: sends to one webhook may overtake each
   * other, but delivery ids (`webhook-id: msg_<id>`) are handed out in event order.
   */
  const delivered = () =>
    receiver.requests
      .map((r) => ({
        id: Number(String(r.headers['webhook-id']).slice(4)),
        body: JSON.parse(r.body),
      }))
      .filter(({ body }) => ROOM_EVENTS.includes(body.event))
      .sort((a, b) => a.id - b.id)
      .map(({ body }) => body);

  async function botOn(sessionId: number): Promise<LiveBot> {
    const bot = startBot(t.url, token);
    bots.push(bot);
    const socket = await bot.connected(1);
    expect(socket.messages.some((m) => m.type === 'subscribed' && m.sessionId === sessionId)).toBe(
      true,
    );
    return bot;
  }

  it('a game added with a room code: bot and webhook see the room from lobby to end, once; the game ends played', async () => {
    const room = fake.addRoom('LSBN', { maxPlayers: 8 });
    room.seat('ALICE');
    const session = await createSession(t, token);
    const bot = await botOn(session.id);
    const game = await addGame(t, token, session.id, 'Quiplash 3', { room_code: 'lsbn' });

    await waitUntil(() => roomEvents(bot).includes('room.connected'));
    room.addPlayer('BOB');
    room.addPlayer('CAROL');
    await waitUntil(() => roomEvents(bot).includes('lobby.player-joined:CAROL'));
    room.setBlob(lobbyBlob('CanStart'));
    await waitUntil(() => roomEvents(bot).includes('lobby.updated'));
    room.lock();
    room.setBlob({ state: 'Logo' });
    await waitUntil(() => roomEvents(bot).includes('game.started'));
    room.setBlob(postGameBlob);
    await waitUntil(() => roomEvents(bot).includes('room.disconnected:manually_stopped'));

    expect(roomEvents(bot)).toEqual([
      'room.connected',
      'lobby.player-joined:BOB',
      'lobby.player-joined:CAROL',
      'lobby.updated',
      'game.started',
      'game.ended',
      'room.disconnected:manually_stopped',
    ]);
    const messages = bot.connections.flatMap((c) => c.messages);
    const connected = messages.find((m) => m.type === 'room.connected').data;
    expect(connected).toEqual({
      sessionId: session.id,
      gameId: game.id,
      roomCode: 'LSBN',
      appTag: 'quiplash3',
      maxPlayers: 8,
      playerCount: 1,
      players: ['ALICE'],
      lobbyState: 'WaitingForMore',
      gameState: 'Lobby',
      gameStarted: false,
      gameFinished: false,
      monitoring: true,
    });
    const ended = messages.find((m) => m.type === 'game.ended').data;
    expect(ended).toMatchObject({ playerCount: 3, gameStarted: true, gameFinished: true });
    // The ended game became played, which stopped the monitor: its socket is closed.
    const stored = (await api('GET', `/api/sessions/${session.id}/games`)).body[0];
    expect(stored).toMatchObject({
      id: game.id,
      status: 'played',
      player_count: 3,
      app_tag: 'quiplash3',
      room_max_players: 8,
      monitoring: false,
      monitor_reason: 'manually_stopped',
    });
    expect(stored.game_started_at).not.toBeNull();
    expect(stored.game_ended_at).not.toBeNull();
    await waitUntil(() => fake.openSockets() === 0);
    expect(t.app.get(RoomsService).count()).toBe(0);

    // The webhook received the same events, in the same order.
    await waitUntil(() => delivered().length === 7);
    expect(delivered().map((b) => b.event)).toEqual([
      'room.connected',
      'lobby.player-joined',
      'lobby.player-joined',
      'lobby.updated',
      'game.started',
      'game.ended',
      'room.disconnected',
    ]);
    expect(delivered()[5].data).toEqual(ended);
  });

  it('a room whose lookup and state hold what no column takes is still followed and stored', async () => {
    // Before, a seat count of 8.5 failed the write of every event of the room, and a NUL in
    // the lobby state failed each event written while it lasted.
    const room = fake.addRoom('ODDS', { maxPlayers: 8.5, appTag: 'Not A Tag' });
    room.seat('ALICE');
    const session = await createSession(t, token);
    const bot = await botOn(session.id);
    const game = await addGame(t, token, session.id, 'Quiplash 3', { room_code: 'odds' });
    await waitUntil(() => roomEvents(bot).includes('room.connected'));
    room.setBlob(lobbyBlob('Can\u0000Start'));
    await waitUntil(() => roomEvents(bot).includes('lobby.updated'));
    const stored = (await api('GET', `/api/sessions/${session.id}/games`)).body[0];
    expect(stored).toMatchObject({
      id: game.id,
      room_max_players: null,
      lobby_state: 'Can\uFFFDStart',
      player_count: 1,
      monitoring: true,
    });
  });

  it('stop-player-check ends monitoring with manually_stopped; start-player-check watches again', async () => {
    const room = fake.addRoom('STOP');
    const session = await createSession(t, token);
    const bot = await botOn(session.id);
    const game = await addGame(t, token, session.id, 'Fibbage 4', { room_code: 'STOP' });
    await waitUntil(() => roomEvents(bot).includes('room.connected'));
    const live = await t.request('GET', `/api/sessions/${session.id}/games/${game.id}/status-live`);
    expect(live.body).toMatchObject({
      roomCode: 'STOP',
      monitoring: true,
      reason: null,
      // The fake's room plays Quiplash 3; Fibbage 4 was picked.
      appTagMatches: false,
    });

    expect((await scrape(t)).value('jackbox_room_monitors')).toBe(1);

    const stopped = await api(
      'POST',
      `/api/sessions/${session.id}/games/${game.id}/stop-player-check`,
    );
    expect(stopped.status).toBe(200);
    expect((await scrape(t)).value('jackbox_room_monitors')).toBe(0);
    expect(stopped.body).toMatchObject({ monitoring: false, reason: 'manually_stopped' });
    await waitUntil(() => roomEvents(bot).includes('room.disconnected:manually_stopped'));
    await waitUntil(() => room.mainConnections().length === 0);

    const again = await api(
      'POST',
      `/api/sessions/${session.id}/games/${game.id}/start-player-check`,
    );
    expect(again.status).toBe(200);
    await waitUntil(() => room.mainConnections().length === 1);
    await waitUntil(() => roomEvents(bot).filter((e) => e === 'room.connected').length === 2);
  });

  it('a stop sent while the start its room code set off is under way leaves the room unwatched', async () => {
    const room = fake.addRoom('RACE');
    const session = await createSession(t, token);
    await waitUntil(() => fake.openSockets() === 0);
    const game = await addGame(t, token, session.id, 'Fibbage 4', { room_code: 'RACE' });
    // At once: adding the game has set off a start that may still be under way, or not yet begun.
    const stopped = await api(
      'POST',
      `/api/sessions/${session.id}/games/${game.id}/stop-player-check`,
    );
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ monitoring: false, reason: 'manually_stopped' });
    // The stop came after the start was set off, so nothing of that start survives it.
    await waitUntil(
      () => t.app.get(RoomsService).count() === 0 && room.mainConnections().length === 0,
    );
    const [stored] = (await api('GET', `/api/sessions/${session.id}/games`)).body;
    expect(stored).toMatchObject({ monitoring: false, monitor_reason: 'manually_stopped' });
  });

  it('a new room code moves monitoring to that room; a game no longer playing stops it', async () => {
    const first = fake.addRoom('AAAA');
    const second = fake.addRoom('BBBB');
    const session = await createSession(t, token);
    // The previous test's room was watched until its session closed.
    await waitUntil(() => fake.openSockets() === 0);
    const bot = await botOn(session.id);
    const game = await addGame(t, token, session.id, 'Fibbage 4', { room_code: 'AAAA' });
    await waitUntil(() => first.mainConnections().length === 1);
    const base = `/api/sessions/${session.id}/games/${game.id}`;
    await api('PATCH', `${base}/room-code`, { room_code: 'BBBB' });
    // One passive connection, now to the new room (the fake's count covers all its rooms).
    await waitUntil(() => roomEvents(bot).length === 3);
    await waitUntil(() => second.mainConnections().length === 1);
    expect(fake.lookups.map((l) => l.code).slice(-2)).toEqual(['AAAA', 'BBBB']);
    await api('PATCH', `${base}/status`, { status: 'skipped' });
    await waitUntil(() => second.mainConnections().length === 0);
    await waitUntil(
      () => roomEvents(bot).filter((e) => e === 'room.disconnected:manually_stopped').length === 2,
    );
    expect(roomEvents(bot)).toEqual([
      'room.connected',
      'room.disconnected:manually_stopped',
      'room.connected',
      'room.disconnected:manually_stopped',
    ]);
    expect(t.app.get(RoomsService).count()).toBe(0);
  });

  it('a room code set on the playing game starts watching; the room ending ends it with room_closed', async () => {
    const room = fake.addRoom('SETC');
    const session = await createSession(t, token);
    const bot = await botOn(session.id);
    const game = await addGame(t, token, session.id, 'Fibbage 4');
    const base = `/api/sessions/${session.id}/games/${game.id}`;
    expect((await api('PATCH', `${base}/room-code`, { room_code: 'setc' })).status).toBe(200);
    await waitUntil(() => roomEvents(bot).includes('room.connected'));
    room.exit();
    await waitUntil(() => roomEvents(bot).includes('room.disconnected:room_closed'));
    expect(roomEvents(bot)).toEqual(['room.connected', 'room.disconnected:room_closed']);
    await waitUntil(() => room.mainConnections().length === 0);
    const [stored] = (await api('GET', `/api/sessions/${session.id}/games`)).body;
    expect(stored).toMatchObject({
      room_code: 'SETC',
      status: 'playing',
      monitoring: false,
      monitor_reason: 'room_closed',
    });
    expect(t.app.get(RoomsService).count()).toBe(0);
  });

  it('closing the session stops its monitor: the fake sees the socket closed', async () => {
    const room = fake.addRoom('CLOS');
    const session = await createSession(t, token);
    const bot = await botOn(session.id);
    await addGame(t, token, session.id, 'Fibbage 4', { room_code: 'CLOS' });
    await waitUntil(() => room.mainConnections().length === 1);
    await api('POST', `/api/sessions/${session.id}/close`, {});
    await waitUntil(() => room.mainConnections().length === 0);
    await waitUntil(() => roomEvents(bot).includes('room.disconnected:manually_stopped'));
    expect(t.app.get(RoomsService).count()).toBe(0);
  });

  it('a room that does not exist ends with room_not_found, and the game stays playing', async () => {
    const session = await createSession(t, token);
    const bot = await botOn(session.id);
    const game = await addGame(t, token, session.id, 'Fibbage 4', { room_code: 'NONE' });
    await waitUntil(() => roomEvents(bot).includes('room.disconnected:room_not_found'));
    const stored = (await api('GET', `/api/sessions/${session.id}/games`)).body[0];
    expect(stored).toMatchObject({
      id: game.id,
      status: 'playing',
      monitoring: false,
      monitor_reason: 'room_not_found',
    });
  });

  it('a refused role ends monitoring with role_rejected; the game stays playable and its snapshot says why', async () => {
    const room = fake.addRoom('ROLE');
    room.rejection = { errorCode: 2014, msg: 'requested role does not exist' };
    const session = await createSession(t, token);
    const bot = await botOn(session.id);
    const game = await addGame(t, token, session.id, 'Quiplash 3', { room_code: 'ROLE' });
    await waitUntil(() => roomEvents(bot).includes('room.disconnected:role_rejected'));
    const base = `/api/sessions/${session.id}/games/${game.id}`;
    const live = await t.request('GET', `${base}/status-live`);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({
      roomCode: 'ROLE',
      appTag: 'quiplash3',
      monitoring: false,
      reason: 'role_rejected',
      gameStarted: false,
      gameFinished: false,
    });
    expect(roomEvents(bot)).toEqual(['room.disconnected:role_rejected']);
    // Not retried: one connection, refused.
    expect(
      fake.connections.filter((c) => c.query['user-id'] === `gamepicker-${game.id}`),
    ).toHaveLength(1);
    // Still the playing game: the admin can end it by hand as before.
    const [stored] = (await api('GET', `/api/sessions/${session.id}/games`)).body;
    expect(stored).toMatchObject({
      status: 'playing',
      monitoring: false,
      monitor_reason: 'role_rejected',
    });
    expect((await api('PATCH', `${base}/status`, { status: 'played' })).status).toBe(200);
  });

  it('refuses bad input and impossible starts with clear 4xx', async () => {
    const session = await createSession(t, token);
    const plain = await addGame(t, token, session.id, 'Fibbage 4');
    const base = `/api/sessions/${session.id}/games/${plain.id}`;
    const noCode = await api('POST', `${base}/start-player-check`);
    expect(noCode.status).toBe(409);
    expect(noCode.body.error).toMatch(/no room code/);
    expect(
      (await api('POST', `/api/sessions/${session.id}/games/999999/start-player-check`)).status,
    ).toBe(404);
    expect((await t.request('POST', `${base}/start-player-check`)).status).toBe(401);
    expect((await api('PATCH', `${base}/room-code`, { room_code: 'TOOLONG' })).status).toBe(400);
  });
});

describe('room monitoring, when it cannot watch', () => {
  it.each([
    ['turned off', { enabled: false }, /turned off/],
    ['full (ROOM_MONITOR_MAX)', { enabled: true, max: 0 }, /ROOM_MONITOR_MAX/],
  ])('answers start-player-check 503 when %s', async (_, rooms, message) => {
    const fake = await FakeEcast.start();
    fake.addRoom('FULL');
    const t = await startTestApp({
      rooms: { ...testConfig('').rooms, ecastBaseUrl: fake.baseUrl, ...rooms },
    });
    try {
      const token = await t.login();
      const session = await createSession(t, token);
      const game = await addGame(t, token, session.id, 'Fibbage 4', { room_code: 'FULL' });
      const res = await t.request(
        'POST',
        `/api/sessions/${session.id}/games/${game.id}/start-player-check`,
        { token },
      );
      expect(res.status).toBe(503);
      expect(res.body.error).toMatch(message);
      expect(fake.lookups).toEqual([]);
      const stored = (await t.request('GET', `/api/sessions/${session.id}/games`)).body[0];
      expect(stored.monitoring).toBe(false);
    } finally {
      await t.close();
      await fake.close();
    }
  });
});

describe('room monitoring, probes', () => {
  it('a game that announces no joins: a probe finds the new player (event, snapshot, stored count), never starts the game, and takes no seat', async () => {
    const fake = await FakeEcast.start();
    const room = fake.addRoom('PROB', { joinEvents: false, roomUpdates: false });
    room.seat('ALICE');
    room.seat('BOB');
    const t = await startTestApp({
      rooms: {
        ...testConfig('').rooms,
        enabled: true,
        ecastBaseUrl: fake.baseUrl,
        probeIntervalMs: 100,
        statusIntervalMs: 100,
      },
    });
    let bot: LiveBot | undefined;
    try {
      const token = await t.login();
      const session = await createSession(t, token);
      bot = startBot(t.url, token);
      const socket = await bot.connected(1);
      const game = await addGame(t, token, session.id, 'Quiplash 3', { room_code: 'PROB' });
      const connected = await socket.next(ofType('room.connected'));
      expect(connected.data).toMatchObject({ playerCount: 2, players: ['ALICE', 'BOB'] });

      // Carol joins unannounced while the game starts: only a probe's welcome shows either.
      room.seat('CAROL');
      room.setBlob({ state: 'Logo' });
      const joined = await socket.next(ofType('lobby.player-joined'));
      expect(joined.data).toMatchObject({
        player: { name: 'CAROL' },
        playerCount: 3,
        players: ['ALICE', 'BOB', 'CAROL'],
        gameStarted: false,
      });
      const status = await socket.next((m) => m.type === 'game.status' && m.data.playerCount === 3);
      expect(status.data).toMatchObject({ players: ['ALICE', 'BOB', 'CAROL'], gameStarted: false });
      const base = `/api/sessions/${session.id}/games/${game.id}`;
      expect((await t.request('GET', `${base}/status-live`)).body).toMatchObject({
        playerCount: 3,
        gameStarted: false,
        monitoring: true,
      });
      const [stored] = (await t.request('GET', `/api/sessions/${session.id}/games`)).body;
      expect(stored).toMatchObject({ player_count: 3, game_started_at: null });

      // Probes ask for the main connection's passive role, without its credentials, and close.
      const [main] = room.mainConnections();
      const probes = fake.connections.filter((c) => c.isProbe);
      expect(probes.length).toBeGreaterThan(0);
      for (const probe of probes) {
        expect(probe.query).toEqual({
          role: main.query.role,
          name: 'GamePicker',
          format: 'json',
          'user-id': `${main.query['user-id']}-probe`,
        });
      }
      expect(main.query.role).not.toBe('player');
      await waitUntil(() => !probes[0].open);
      // Nobody took a seat: the room has its three players only.
      expect([...room.players.values()]).toEqual(['ALICE', 'BOB', 'CAROL']);

      const types = () => socket.messages.map((m) => m.type);
      expect(types()).not.toContain('game.started');
      expect(types().filter((type) => type === 'lobby.player-joined')).toHaveLength(1);

      // Stopping ends the probes too: no connection is left open.
      await t.request('POST', `${base}/stop-player-check`, { token });
      await waitUntil(() => fake.openSockets() === 0);
      expect(fake.openConnections()).toEqual([]);
      expect(t.app.get(RoomsService).count()).toBe(0);
    } finally {
      bot?.stop();
      await t.close();
      await fake.close();
    }
  });
});

describe('room monitoring, at its limit', () => {
  it('ROOM_MONITOR_MAX holds when two starts arrive at once: one watches, the other answers 503', async () => {
    const fake = await FakeEcast.start();
    fake.addRoom('ONEA');
    fake.addRoom('ONEB');
    const t = await startTestApp({
      rooms: { ...testConfig('').rooms, enabled: true, ecastBaseUrl: fake.baseUrl, max: 1 },
    });
    try {
      const token = await t.login();
      // Two playing games with rooms: stopped first, so only the two starts below compete.
      const first = await createSession(t, token);
      const a = await addGame(t, token, first.id, 'Fibbage 4', { room_code: 'ONEA' });
      await waitUntil(() => fake.openConnections().length === 1);
      const second = await createSession(t, token);
      const b = await addGame(t, token, second.id, 'Quiplash 3', { room_code: 'ONEB' });
      await waitUntil(() => fake.rooms.get('ONEB')!.mainConnections().length === 1);
      for (const [session, game] of [
        [first, a],
        [second, b],
      ]) {
        await t.request('POST', `/api/sessions/${session.id}/games/${game.id}/stop-player-check`, {
          token,
        });
      }
      await t.app
        .get(DataSource)
        .query(`UPDATE session_games SET status = 'playing' WHERE id = $1`, [a.id]);
      await waitUntil(() => fake.openSockets() === 0);

      const answers = await Promise.all(
        [
          [first, a],
          [second, b],
        ].map(([session, game]) =>
          t.request('POST', `/api/sessions/${session.id}/games/${game.id}/start-player-check`, {
            token,
          }),
        ),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([200, 503]);
      expect(t.app.get(RoomsService).count()).toBe(1);
      await waitUntil(() => fake.openConnections().length === 1);
    } finally {
      await t.close();
      await fake.close();
    }
  });
});

describe('room monitoring, on shutdown', () => {
  it('closes every room socket and timer when the app closes', async () => {
    const fake = await FakeEcast.start();
    const room = fake.addRoom('DOWN');
    const t = await startTestApp({
      rooms: { ...testConfig('').rooms, enabled: true, ecastBaseUrl: fake.baseUrl },
    });
    try {
      const token = await t.login();
      const session = await createSession(t, token);
      await addGame(t, token, session.id, 'Fibbage 4', { room_code: 'DOWN' });
      await waitUntil(() => room.mainConnections().length === 1);
      const service = t.app.get(RoomsService);
      expect(service.count()).toBe(1);
      await t.close();
      expect(service.count()).toBe(0);
      await waitUntil(() => fake.openSockets() === 0);
    } finally {
      await fake.close();
    }
  });
});
