import { Client } from 'pg';
import { ADMIN_KEY, JWT_SECRET, request } from './support/app';
import { ADMIN_URL_ENV, adminQuery, withDatabase } from './support/database';
import { waitUntil } from './support/factories';
import { FakeEcast, postGameBlob, type FakeRoom } from './support/fake-ecast';
import { freePort } from './support/global-setup';
import { parseExposition } from './support/metrics';
import { spawnServer, waitForHealthy, type ServerProcess } from './support/process';
import { authedSocket, ofType, type TestSocket } from './support/ws';

jest.setTimeout(90_000);

/**
 * Server processes on one database, the one watching a room killed with SIGKILL: it never lets go
 * of its lease, so another instance takes the room over once the lease runs out, carries on from
 * what the dead one recorded, and bots see each game start and end once.
 */
describe('room monitoring when the watching process is killed', () => {
  const database = `jbx_test_rooms_takeover_${process.pid}`;
  const databaseUrl = () => withDatabase(process.env[ADMIN_URL_ENV]!, database);
  const leaseMs = 3_000;
  const servers: Instance[] = [];
  let fake: FakeEcast;
  let db: Client;
  let token: string;

  interface Instance {
    base: string;
    process: ServerProcess;
  }

  async function start(): Promise<Instance> {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = spawnServer({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl(),
      ADMIN_KEY,
      JWT_SECRET,
      LOG_LEVEL: 'info',
      ECAST_BASE_URL: fake.baseUrl,
      ROOM_LEASE_MS: String(leaseMs),
      ROOM_PROBE_INTERVAL_MS: '0',
    });
    const instance = { base, process: server };
    servers.push(instance);
    await waitForHealthy(base, server);
    return instance;
  }

  async function kill(instance: Instance): Promise<void> {
    instance.process.child.kill('SIGKILL');
    await instance.process.exited;
    servers.splice(servers.indexOf(instance), 1);
  }

  /** Rooms the instance watches now, from its metrics. */
  async function watching(instance: Instance): Promise<number> {
    const res = await request(instance.base, 'GET', '/metrics');
    const sample = parseExposition(res.text).find((s) => s.name === 'jackbox_room_monitors');
    return sample?.value ?? 0;
  }

  /** A new active session whose playing game has the room code; answers both. */
  async function sessionWithRoom(base: string, code: string) {
    const auth = { token };
    const active = await request(base, 'GET', '/api/sessions/active');
    if (active.body?.id) {
      await request(base, 'POST', `/api/sessions/${active.body.id}/close`, { ...auth, body: {} });
    }
    const session = (await request(base, 'POST', '/api/sessions', { ...auth, body: {} })).body;
    const [catalog] = (
      await request(base, 'GET', '/api/games?pack=The%20Jackbox%20Party%20Pack%207')
    ).body;
    const added = await request(base, 'POST', `/api/sessions/${session.id}/games`, {
      ...auth,
      body: { game_id: catalog.id, room_code: code },
    });
    expect(added.status).toBe(201);
    return { session, game: added.body };
  }

  async function subscribe(base: string, sessionId: number, lastEventId?: number) {
    const socket = await authedSocket(base, token);
    socket.send({ type: 'subscribe', sessionId, lastEventId });
    await socket.next(ofType('subscribed'));
    return socket;
  }

  const ofGame = (socket: TestSocket, type: string, gameId: number) =>
    socket.messages.filter((m) => m.type === type && m.data.gameId === gameId);

  async function storedEvents(type: string, gameId: number): Promise<number> {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM events WHERE type = $1 AND (payload->>'gameId')::int = $2`,
      [type, gameId],
    );
    return rows[0].n;
  }

  async function sessionGame(base: string, sessionId: number) {
    return (await request(base, 'GET', `/api/sessions/${sessionId}/games`)).body[0];
  }

  /** The room's game under way, seen by the owner; answers the id of its `room.connected`. */
  async function gameUnderWay(room: FakeRoom, socket: TestSocket, gameId: number) {
    const connected = await socket.next(
      (m) => m.type === 'room.connected' && m.data.gameId === gameId,
    );
    room.lock();
    room.setBlob({ state: 'Logo' });
    await socket.next((m) => m.type === 'game.started' && m.data.gameId === gameId);
    return connected.id as number;
  }

  beforeAll(async () => {
    fake = await FakeEcast.start();
    await adminQuery(`CREATE DATABASE ${database}`);
    const first = await start();
    const login = await request(first.base, 'POST', '/api/auth/login', {
      body: { apiKey: ADMIN_KEY },
    });
    token = login.body.token;
    db = new Client({ connectionString: databaseUrl() });
    db.on('error', () => undefined); // dropped with the database at the end
    await db.connect();
  });

  afterAll(async () => {
    servers.forEach((s) => s.process.child.kill('SIGKILL'));
    await Promise.all(servers.map((s) => s.process.exited));
    await db.end();
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await fake.close();
  });

  it('another instance takes the room over within the lease; a resuming bot sees one start and one end; the game ends played', async () => {
    const [owner] = servers;
    const other = await start();
    const room = fake.addRoom('KILL');
    room.seat('ALICE');
    room.seat('BOB');
    room.seat('CAROL');
    const { session, game } = await sessionWithRoom(owner.base, 'KILL');
    // Both instances follow the session; whichever got the lease watches the room.
    await waitUntil(async () => (await watching(owner)) + (await watching(other)) === 1);
    const [a, b] = (await watching(owner)) === 1 ? [owner, other] : [other, owner];
    const onA = await subscribe(a.base, session.id, 0);
    const resumeFrom = await gameUnderWay(room, onA, game.id);
    await waitUntil(async () => (await sessionGame(b.base, session.id)).game_started_at !== null);
    const connectionsBefore = fake.connections.length;

    await kill(a);
    // B takes over once the dead owner's lease has run out (30 s is the promise to users).
    const takenOver = () => fake.connections.slice(connectionsBefore);
    await waitUntil(() => takenOver().some((c) => c.open), 30_000);
    expect(takenOver()).toHaveLength(1);
    expect(await watching(b)).toBe(1);

    // The bot that was on A resumes on B from an event before the game started.
    const onB = await subscribe(b.base, session.id, resumeFrom);
    room.setBlob(postGameBlob);
    await onB.next((m) => m.type === 'game.ended' && m.data.gameId === game.id, 20_000);
    await waitUntil(async () => (await sessionGame(b.base, session.id)).status === 'played');
    await onB.next((m) => m.type === 'room.disconnected' && m.data.gameId === game.id, 20_000);

    expect(ofGame(onB, 'game.started', game.id)).toHaveLength(1);
    expect(ofGame(onB, 'game.ended', game.id)).toHaveLength(1);
    expect(ofGame(onB, 'game.ended', game.id)[0].data).toMatchObject({
      playerCount: 3,
      gameStarted: true,
      gameFinished: true,
    });
    expect(await storedEvents('game.started', game.id)).toBe(1);
    expect(await storedEvents('game.ended', game.id)).toBe(1);
    expect(await sessionGame(b.base, session.id)).toMatchObject({
      status: 'played',
      player_count: 3,
      monitoring: false,
    });
    await waitUntil(() => room.mainConnections().length === 0);
    onA.socket.terminate();
    onB.socket.terminate();
  });

  it('a game that ended while no instance watched: the instance taking over announces the end once', async () => {
    // The survivor of the previous test is the only instance: it watches the room.
    const [a] = servers;
    const room = fake.addRoom('GONE');
    room.seat('ALICE');
    const { session, game } = await sessionWithRoom(a.base, 'GONE');
    const onA = await subscribe(a.base, session.id, 0);
    const resumeFrom = await gameUnderWay(room, onA, game.id);
    await waitUntil(async () => (await sessionGame(a.base, session.id)).game_started_at !== null);

    await kill(a);
    // The game ends while nobody watches; the next instance finds the room at its results.
    room.setBlob(postGameBlob);
    const b = await start();
    const onB = await subscribe(b.base, session.id, resumeFrom);
    await onB.next((m) => m.type === 'game.ended' && m.data.gameId === game.id, 30_000);
    await waitUntil(async () => (await sessionGame(b.base, session.id)).status === 'played');

    expect(ofGame(onB, 'game.started', game.id)).toHaveLength(1);
    expect(ofGame(onB, 'game.ended', game.id)).toHaveLength(1);
    expect(await storedEvents('game.started', game.id)).toBe(1);
    expect(await storedEvents('game.ended', game.id)).toBe(1);
    onA.socket.terminate();
    onB.socket.terminate();
  });

  it('SIGTERM: the process lets its rooms go (lease released, sockets closed) and exits', async () => {
    const [a] = servers;
    const room = fake.addRoom('TERM');
    const { game } = await sessionWithRoom(a.base, 'TERM');
    await waitUntil(() => room.mainConnections().length === 1);
    room.drop(); // a reconnect with id and secret, whose secret must not reach the log
    await waitUntil(() => fake.connections.some((c) => c.query.secret && c.open));

    a.process.child.kill('SIGTERM');
    expect(await a.process.exited).toBe(0);
    servers.splice(servers.indexOf(a), 1);
    expect(a.process.output()).toContain('room monitor started');
    expect(a.process.output()).not.toContain('s3cr3t');
    await waitUntil(() => fake.openSockets() === 0);
    // Released rather than left to expire, so another instance takes the room over at once.
    const leases = await db.query('SELECT 1 FROM room_monitor_leases WHERE session_game_id = $1', [
      game.id,
    ]);
    expect(leases.rows).toEqual([]);
    const { rows } = await db.query('SELECT monitoring FROM session_games WHERE id = $1', [
      game.id,
    ]);
    expect(rows).toEqual([{ monitoring: true }]);
  });
});
