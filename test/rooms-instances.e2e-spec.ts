import { DataSource } from 'typeorm';
import type { RuntimeConfig } from '../src/config/app-config';
import { RoomsService } from '../src/rooms/rooms.service';
import { startTestApp, testConfig, type TestApp } from './support/app';
import { startBot, type LiveBot } from './support/bot';
import { addGame, createSession, waitUntil } from './support/factories';
import { FakeEcast, postGameBlob } from './support/fake-ecast';

/**
 * Room monitoring with several instances on one database: one instance watches a room at a
 * time, another takes it over when the owner goes, and bots on any instance see each game
 * start and end once, and the live snapshots of whichever instance watches.
 */
describe('room monitoring across instances', () => {
  let fake: FakeEcast;
  let api: TestApp;
  const watchers: TestApp[] = [];
  let bot: LiveBot;

  beforeAll(async () => {
    fake = await FakeEcast.start();
    // The instance the admin and the bot use watches nothing itself (it owns the database).
    api = await startTestApp();
    const rooms: RuntimeConfig['rooms'] = {
      ...testConfig('').rooms,
      enabled: true,
      ecastBaseUrl: fake.baseUrl,
      leaseMs: 3_000,
      statusIntervalMs: 100,
    };
    watchers.push(await startTestApp({ rooms }, api.database));
    watchers.push(await startTestApp({ rooms }, api.database));
  });

  afterAll(async () => {
    bot?.stop();
    for (const w of watchers) await w.close();
    await api.close();
    await fake.close();
  });

  const count = (w: TestApp) => w.app.get(RoomsService).count();
  const received = (type: string) =>
    bot.connections.flatMap((c) => c.messages).filter((m) => m.type === type);

  it('stop-player-check sent to an instance that does not watch the room stops the one that does', async () => {
    const token = await api.login();
    const room = fake.addRoom('HALT');
    room.seat('ALICE');
    const session = await createSession(api, token);
    bot = startBot(api.url, token);
    await bot.connected(1);
    const game = await addGame(api, token, session.id, 'Quiplash 3', { room_code: 'HALT' });
    await waitUntil(() => received('room.connected').length === 1);
    const owner = watchers.find((w) => count(w) === 1)!;
    const other = watchers.find((w) => w !== owner)!;
    expect(count(other)).toBe(0);

    const stopped = await other.request(
      'POST',
      `/api/sessions/${session.id}/games/${game.id}/stop-player-check`,
      { token },
    );
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ monitoring: false, reason: 'manually_stopped' });

    // The owner finds its lease gone at its next renewal and lets the room go, silently.
    await waitUntil(() => count(owner) === 0);
    await waitUntil(() => room.mainConnections().length === 0);
    const db = api.app.get(DataSource);
    expect(
      await db.query('SELECT 1 FROM room_monitor_leases WHERE session_game_id = $1', [game.id]),
    ).toEqual([]);
    await waitUntil(() => received('room.disconnected').length === 1);
    const stored = await db.query(
      `SELECT payload->>'reason' AS reason FROM events
       WHERE type = 'room.disconnected' AND (payload->>'gameId')::int = $1`,
      [game.id],
    );
    expect(stored).toEqual([{ reason: 'manually_stopped' }]);
    expect(received('room.disconnected')[0].data).toMatchObject({
      gameId: game.id,
      reason: 'manually_stopped',
    });
    // Neither instance takes it up again: the game is no longer monitored.
    const [row] = (await api.request('GET', `/api/sessions/${session.id}/games`)).body;
    expect(row).toMatchObject({
      status: 'playing',
      monitoring: false,
      monitor_reason: 'manually_stopped',
    });
    expect(watchers.map(count)).toEqual([0, 0]);
    bot.stop();
  });

  it('a watched game that stopped playing unannounced (a change during the start) stops at the next lease beat', async () => {
    const token = await api.login();
    const room = fake.addRoom('LOST');
    const session = await createSession(api, token);
    const game = await addGame(api, token, session.id, 'Fibbage 4', { room_code: 'LOST' });
    await waitUntil(() => room.mainConnections().length === 1);
    // What a session closed while the monitor was being set up leaves: no event will stop it.
    const db = api.app.get(DataSource);
    await db.query(`UPDATE session_games SET status = 'played' WHERE id = $1`, [game.id]);
    await waitUntil(() => room.mainConnections().length === 0);
    await waitUntil(() => watchers.every((w) => count(w) === 0));
    const row = async () => (await api.request('GET', `/api/sessions/${session.id}/games`)).body[0];
    // A start still under way on the other instance when the status changed gives up.
    await waitUntil(async () => (await row()).monitoring === false);
    expect(await row()).toMatchObject({ monitoring: false, monitor_reason: 'manually_stopped' });
    expect(watchers.map(count)).toEqual([0, 0]);
  });

  it('one instance watches; when it goes another takes over, with no duplicate start or end', async () => {
    const token = await api.login();
    const room = fake.addRoom('TAKE');
    room.seat('ALICE');
    const session = await createSession(api, token);
    bot = startBot(api.url, token);
    await bot.connected(1);
    const game = await addGame(api, token, session.id, 'Quiplash 3', { room_code: 'TAKE' });

    await waitUntil(() => received('room.connected').length === 1);
    expect(watchers.map(count).sort()).toEqual([0, 1]);
    expect(room.mainConnections()).toHaveLength(1);

    // The snapshot reaches the bot on an instance that does not watch the room; it is not stored.
    // (One may come before the room's welcome, with no players yet: wait for the one after.)
    const status = await bot.connections[0].next(
      (m) => m.type === 'game.status' && m.data.playerCount === 1,
    );
    expect(status.data).toMatchObject({
      sessionId: session.id,
      gameId: game.id,
      roomCode: 'TAKE',
      appTag: 'quiplash3',
      playerCount: 1,
      players: ['ALICE'],
      monitoring: true,
    });
    expect(status.id).toBeUndefined();
    const stored = await api.app
      .get(DataSource)
      .query(`SELECT 1 FROM events WHERE type = 'game.status'`);
    expect(stored).toEqual([]);

    room.lock();
    room.setBlob({ state: 'Logo' });
    await waitUntil(() => received('game.started').length === 1);

    const owner = watchers.find((w) => count(w) === 1)!;
    const other = watchers.find((w) => w !== owner)!;
    watchers.splice(watchers.indexOf(owner), 1);
    await owner.close();

    await waitUntil(() => count(other) === 1, 30_000);
    await waitUntil(() => received('room.connected').length === 2);
    await waitUntil(() => room.mainConnections().length === 1);
    room.setBlob(postGameBlob);
    await waitUntil(() => received('room.disconnected').length === 1);

    expect(received('game.started')).toHaveLength(1);
    expect(received('game.ended')).toHaveLength(1);
    expect(received('room.disconnected')[0].data.reason).toBe('manually_stopped');
    const [row] = (await api.request('GET', `/api/sessions/${session.id}/games`)).body;
    expect(row).toMatchObject({ status: 'played', monitoring: false });
  });

  it('takes over a room whose owner died without letting go, once its lease runs out', async () => {
    const token = await api.login();
    const room = fake.addRoom('DEAD');
    const session = await createSession(api, token);
    const game = await addGame(api, token, session.id, 'Fibbage 4');
    const db = api.app.get(DataSource);
    // What a crashed owner leaves behind: the game watched, its lease held by nobody alive.
    await db.query(
      `INSERT INTO room_monitor_leases (session_game_id, room_code, owner, expires_at)
       VALUES ($1, 'DEAD', 'crashed-instance', now() + interval '1 second')`,
      [game.id],
    );
    await db.query(`UPDATE session_games SET room_code = 'DEAD', monitoring = true WHERE id = $1`, [
      game.id,
    ]);
    await waitUntil(() => room.mainConnections().length === 1, 30_000);
    expect(watchers.map(count).reduce((a, b) => a + b)).toBe(1);
    const [lease] = await db.query(
      'SELECT owner FROM room_monitor_leases WHERE session_game_id = $1',
      [game.id],
    );
    expect(lease.owner).not.toBe('crashed-instance');
  });
});
