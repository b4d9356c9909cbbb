import { RoomMonitor, type RoomEvent, type RoomMonitorOptions } from '../src/rooms/room-monitor';
import { FakeEcast, lobbyBlob, postGameBlob, type FakeRoom } from './support/fake-ecast';
import { waitUntil } from './support/factories';

/** The room monitor against a fake ecast service, over real HTTP and WebSockets. */

let fake: FakeEcast;
const monitors: RoomMonitor[] = [];
const logLines: string[] = [];

beforeEach(async () => {
  fake = await FakeEcast.start();
  logLines.length = 0;
});

afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.stop()));
  await fake.close();
});

function watch(code: string, options: Partial<RoomMonitorOptions> = {}) {
  const events: RoomEvent[] = [];
  const record = (...args: unknown[]) => logLines.push(JSON.stringify(args));
  const monitor = new RoomMonitor({
    baseUrl: fake.baseUrl,
    roomCode: code,
    userId: 'gamepicker-test',
    probeIntervalMs: 0,
    backoff: { initialMs: 5, maxMs: 20, maxAttempts: 3 },
    logger: { log: record, warn: record, debug: record },
    onEvent: (event) => events.push(event),
    ...options,
  });
  monitors.push(monitor);
  monitor.start();
  const names = () =>
    events.map((e) =>
      e.type === 'lobby.player-joined'
        ? `${e.type}:${e.player.name}`
        : e.type === 'room.disconnected'
          ? `${e.type}:${e.reason}`
          : e.type,
    );
  return { monitor, events, names };
}

function roomWith(code: string, players: string[], options = {}): FakeRoom {
  const room = fake.addRoom(code, options);
  for (const name of players) room.seat(name);
  return room;
}

async function expectReleased(monitor: RoomMonitor) {
  await monitor.stopped();
  expect(monitor.activeHandles()).toEqual({ sockets: 0, timers: 0, lookups: 0 });
  await waitUntil(() => fake.openSockets() === 0);
  expect(fake.openConnections()).toEqual([]);
}

describe('RoomMonitor, a Quiplash 3 room from lobby to close', () => {
  it('reports each change once, in order, and stops for good after room/exit', async () => {
    const room = roomWith('ABCD', ['ALICE', 'BOB']);
    const { monitor, events, names } = watch('ABCD');

    await waitUntil(() => monitor.snapshot().status === 'connected');
    expect(monitor.snapshot()).toMatchObject({
      appTag: 'quiplash3',
      maxPlayers: 8,
      playerCount: 2,
      players: ['ALICE', 'BOB'],
      lobbyState: 'WaitingForMore',
      monitoring: true,
    });
    room.addPlayer('CAROL');
    room.setBlob(
      lobbyBlob('CanStart', { textDescriptions: [{ category: 'Joined', text: 'CAROL joined.' }] }),
    );
    room.setBlob(lobbyBlob('Countdown'));
    room.lock();
    room.setBlob({ state: 'Logo', locale: 'en', textDescriptions: [] });
    room.setBlob({ state: 'Logo', locale: 'en', textDescriptions: [{ id: 1 }] });
    room.setBlob({ state: 'Logo', locale: 'en', textDescriptions: [{ id: 2 }] });
    room.setBlob(postGameBlob);
    room.exit();

    await monitor.stopped();
    expect(names()).toEqual([
      'room.connected',
      'lobby.player-joined:CAROL',
      'lobby.updated',
      'lobby.updated',
      'game.started',
      'game.ended',
      'room.disconnected:room_closed',
    ]);
    expect(events[0].snapshot.playerCount).toBe(2);
    expect(events.at(-1)!.snapshot).toMatchObject({
      playerCount: 3,
      gameStarted: true,
      gameFinished: true,
      monitoring: false,
      status: 'closed',
    });
    // No reconnect after the room ended: one lookup, one connection.
    expect(fake.lookups).toHaveLength(1);
    expect(fake.connections).toHaveLength(1);
    await expectReleased(monitor);
  });

  it('looks the room up and connects as a browser would, in the shard role', async () => {
    roomWith('ABCD', ['ALICE']);
    const { monitor } = watch('ABCD');
    await waitUntil(() => monitor.snapshot().status === 'connected');
    const [lookup] = fake.lookups;
    const [connection] = fake.connections;
    for (const headers of [lookup.headers, connection.headers]) {
      expect(headers).toMatchObject({
        origin: 'https://jackbox.tv',
        referer: 'https://jackbox.tv/',
        accept: 'application/json, text/plain, */*',
      });
      expect(headers['user-agent']).toMatch(/^Mozilla\/5\.0/);
    }
    expect(connection.protocol).toBe('ecast-v0');
    expect(connection.query).toEqual({
      role: 'shard',
      name: 'GamePicker',
      format: 'json',
      'user-id': 'gamepicker-test',
    });
  });

  it('the role is configurable, and never a player seat', async () => {
    roomWith('ABCD', []);
    const { monitor } = watch('ABCD', { role: 'audience' });
    await waitUntil(() => monitor.snapshot().status === 'connected');
    expect(fake.connections[0].query.role).toBe('audience');
    expect(
      () => new RoomMonitor({ baseUrl: fake.baseUrl, roomCode: 'ABCD', role: 'player' }),
    ).toThrow(/never joins as a player/);
  });
});

describe('RoomMonitor, probes', () => {
  it('counts players of a Blobcast-era room that announces no joins, through probes', async () => {
    const room = roomWith('WXYZ', ['A', 'B'], { blobKey: 'bc:room', joinEvents: false });
    const { monitor, names } = watch('WXYZ', { probeIntervalMs: 10 });
    await waitUntil(() => monitor.snapshot().status === 'connected');
    room.addPlayer('C');
    await waitUntil(() => monitor.snapshot().playerCount === 3);
    room.setBlob(lobbyBlob('CanStart'));
    room.setBlob({ state: 'Gameplay' });
    room.setBlob({ state: 'Lobby', lobbyState: 'PostGame' });
    await waitUntil(() => monitor.snapshot().gameFinished);
    expect(names()).toEqual([
      'room.connected',
      'lobby.player-joined:C',
      'lobby.updated',
      'game.started',
      'game.ended',
    ]);
    const probes = fake.connections.filter((c) => c.isProbe);
    expect(probes.length).toBeGreaterThan(0);
    expect(probes[0].query).toMatchObject({ role: 'shard', 'user-id': 'gamepicker-test-probe' });
    expect(probes[0].query.secret).toBeUndefined();
  });

  it('a probe seeing another phase of the game never starts or ends it', async () => {
    const room = roomWith('ABCD', ['A', 'B'], { roomUpdates: false, joinEvents: false });
    const { monitor, names } = watch('ABCD');
    await waitUntil(() => monitor.snapshot().status === 'connected');
    room.addPlayer('C');
    room.setBlob(postGameBlob);
    await monitor.probe();
    expect(names()).toEqual(['room.connected', 'lobby.player-joined:C']);
    expect(monitor.snapshot()).toMatchObject({
      playerCount: 3,
      gameStarted: false,
      gameFinished: false,
      lobbyState: 'WaitingForMore',
    });
    // The probe closed its socket after the welcome; the main connection stays.
    await waitUntil(() => fake.openConnections().length === 1);
    expect(monitor.activeHandles()).toEqual({ sockets: 1, timers: 0, lookups: 0 });
  });

  it('with no room updates, starts on the lookup answering locked after a reconnect', async () => {
    const room = roomWith('ABCD', ['A', 'B', 'C'], { roomUpdates: false });
    const { monitor, names } = watch('ABCD');
    await waitUntil(() => monitor.snapshot().status === 'connected');
    room.locked = true;
    room.drop();
    await waitUntil(() => monitor.snapshot().gameStarted);
    expect(names()).toEqual(['room.connected', 'game.started']);
  });
});

describe('RoomMonitor, reconnection', () => {
  it('reconnects with its id and secret after an abnormal drop, announcing only what is new', async () => {
    const room = roomWith('ABCD', ['ALICE', 'BOB']);
    const { monitor, names } = watch('ABCD');
    await waitUntil(() => monitor.snapshot().status === 'connected');
    room.addPlayer('CAROL');
    room.setBlob(lobbyBlob('CanStart'));
    await waitUntil(() => monitor.snapshot().lobbyState === 'CanStart');

    room.drop();
    room.seat('DAVE');
    await waitUntil(() => fake.connections.length === 2 && fake.connections[1].open);
    await waitUntil(() => monitor.snapshot().playerCount === 4);
    const [first, second] = fake.connections;
    expect(second.query).toMatchObject({
      id: String(first.welcomeId),
      secret: `s3cr3t-${first.welcomeId}`,
      'user-id': 'gamepicker-test',
      'device-id': '0000000000.000000',
    });
    expect(second.welcomeId).toBe(first.welcomeId);
    room.setBlob({ state: 'Logo' });
    await waitUntil(() => monitor.snapshot().gameStarted);
    expect(names()).toEqual([
      'room.connected',
      'lobby.player-joined:CAROL',
      'lobby.updated',
      'lobby.player-joined:DAVE',
      'game.started',
    ]);
  });

  it('reconnects afresh when the service no longer knows its id', async () => {
    const room = roomWith('ABCD', ['ALICE']);
    const { monitor } = watch('ABCD');
    await waitUntil(() => monitor.snapshot().status === 'connected');
    room.reconnectRejection = { errorCode: 2008, msg: 'no such client' };
    room.drop();
    await waitUntil(() => fake.connections.length === 3 && fake.connections[2].open);
    expect(fake.connections[1].query.secret).toBeDefined();
    expect(fake.connections[2].query.secret).toBeUndefined();
    // Open on the server's side first; connected once the client has read the welcome.
    await waitUntil(() => monitor.snapshot().status === 'connected');
  });

  it('retries lookups that fail with 5xx or HTML, then connects', async () => {
    roomWith('ABCD', ['ALICE']);
    fake.lookupFailures.push(
      { status: 503, body: '{}', contentType: 'application/json' },
      { status: 200, body: '<html>maintenance</html>', contentType: 'text/html' },
    );
    const { monitor } = watch('ABCD');
    await waitUntil(() => monitor.snapshot().status === 'connected');
    expect(fake.lookups).toHaveLength(3);
  });

  it('retries transient error frames, then connects', async () => {
    const room = roomWith('ABCD', ['ALICE']);
    room.nextRejections.push({ errorCode: 1002, msg: 'unable to connect to room' });
    const { monitor, names } = watch('ABCD');
    await waitUntil(() => monitor.snapshot().status === 'connected');
    expect(fake.connections).toHaveLength(2);
    expect(names()).toEqual(['room.connected']);
  });

  it('gives up with connection_failed once the attempts run out', async () => {
    roomWith('ABCD', []);
    for (let i = 0; i < 10; i++) {
      fake.lookupFailures.push({ status: 502, body: 'bad gateway', contentType: 'text/plain' });
    }
    const { monitor, names } = watch('ABCD');
    await monitor.stopped();
    expect(names()).toEqual(['room.disconnected:connection_failed']);
    expect(fake.lookups).toHaveLength(3);
    await expectReleased(monitor);
  });

  it('never logs the secret', async () => {
    const room = roomWith('ABCD', ['ALICE']);
    const { monitor } = watch('ABCD');
    await waitUntil(() => monitor.snapshot().status === 'connected');
    room.drop();
    await waitUntil(() => fake.connections.length === 2 && fake.connections[1].open);
    await monitor.stop();
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain('s3cr3t');
  });
});

describe('RoomMonitor, refusals and endings', () => {
  it.each([
    ['an unknown room (lookup 404)', undefined, 'room.disconnected:room_not_found'],
    ['error 2013', { errorCode: 2013 }, 'room.disconnected:room_not_found'],
    ['error 2014', { errorCode: 2014 }, 'room.disconnected:role_rejected'],
    ['error 2027', { errorCode: 2027 }, 'room.disconnected:room_closed'],
    ['an upgrade refused with 404', { upgradeStatus: 404 }, 'room.disconnected:room_not_found'],
    ['an upgrade refused with 400', { upgradeStatus: 400 }, 'room.disconnected:role_rejected'],
  ])('maps %s to its reason, with no retry', async (_name, rejection, expected) => {
    if (rejection) roomWith('ABCD', ['ALICE']).rejection = rejection;
    const { monitor, names } = watch('ABCD');
    await monitor.stopped();
    expect(names()).toEqual([expected]);
    expect(fake.lookups).toHaveLength(1);
    expect(fake.connections.length).toBeLessThanOrEqual(1);
    await expectReleased(monitor);
  });

  it('a lookup answering ok:false is an unknown room, with no retry', async () => {
    roomWith('ABCD', ['ALICE']);
    fake.lookupFailures.push({
      status: 200,
      body: JSON.stringify({ ok: false, error: 'no such room' }),
      contentType: 'application/json',
    });
    const { monitor, names } = watch('ABCD');
    await monitor.stopped();
    expect(names()).toEqual(['room.disconnected:room_not_found']);
    expect(fake.lookups).toHaveLength(1);
    expect(fake.connections).toEqual([]);
  });

  it('retries a lookup that meets a network error, and gives up with connection_failed', async () => {
    // A port nobody listens on: the connection is refused each time.
    const closed = await FakeEcast.start();
    const baseUrl = closed.baseUrl;
    await closed.close();
    const { monitor, names } = watch('ABCD', { baseUrl });
    await monitor.stopped();
    expect(names()).toEqual(['room.disconnected:connection_failed']);
    expect(monitor.snapshot().detail).toMatch(/room lookup failed/);
    expect(monitor.activeHandles()).toEqual({ sockets: 0, timers: 0, lookups: 0 });
  });

  it('a refused role leaves a snapshot that says monitoring failed and why', async () => {
    const room = roomWith('ABCD', ['ALICE']);
    room.rejection = { errorCode: 2014, msg: 'requested role does not exist' };
    const { monitor } = watch('ABCD');
    await monitor.stopped();
    expect(monitor.snapshot()).toMatchObject({
      monitoring: false,
      status: 'failed',
      disconnectReason: 'role_rejected',
      appTag: 'quiplash3',
      detail: expect.stringContaining('2014'),
    });
  });

  it('refuses a play server outside the ecast domain without connecting to it', async () => {
    roomWith('ABCD', [], { host: 'ecast.attacker.example:443' });
    const { monitor, names } = watch('ABCD');
    await monitor.stopped();
    expect(names()).toEqual(['room.disconnected:connection_failed']);
    expect(monitor.snapshot().detail).toMatch(/outside/);
    expect(fake.connections).toEqual([]);
  });

  it('the host leaving without room/exit closes the room', async () => {
    const room = roomWith('ABCD', ['ALICE']);
    const { monitor, names } = watch('ABCD');
    await waitUntil(() => monitor.snapshot().status === 'connected');
    room.hostLeaves();
    await monitor.stopped();
    expect(names()).toEqual(['room.connected', 'room.disconnected:room_closed']);
    expect(fake.connections).toHaveLength(1);
    await expectReleased(monitor);
  });

  it('a room gone by the time of a reconnect is closed, not unknown', async () => {
    const room = roomWith('ABCD', ['ALICE']);
    const { monitor, names } = watch('ABCD');
    await waitUntil(() => monitor.snapshot().status === 'connected');
    room.exists = false;
    room.drop();
    await monitor.stopped();
    expect(names()).toEqual(['room.connected', 'room.disconnected:room_closed']);
  });

  it('stop releases the socket, the probe timer and the lookup agent', async () => {
    roomWith('ABCD', ['ALICE']);
    const { monitor, names } = watch('ABCD', { probeIntervalMs: 60_000 });
    await waitUntil(() => monitor.snapshot().status === 'connected');
    expect(monitor.activeHandles()).toEqual({ sockets: 1, timers: 1, lookups: 0 });
    await monitor.stop();
    expect(names()).toEqual(['room.connected', 'room.disconnected:manually_stopped']);
    expect(monitor.snapshot()).toMatchObject({ monitoring: false, status: 'stopped' });
    await expectReleased(monitor);
  });

  it('stop during a backoff wait ends at once', async () => {
    roomWith('ABCD', []);
    for (let i = 0; i < 5; i++) {
      fake.lookupFailures.push({ status: 500, body: 'x', contentType: 'text/plain' });
    }
    const { monitor, names } = watch('ABCD', {
      backoff: { initialMs: 60_000, maxMs: 60_000, maxAttempts: 5 },
    });
    await waitUntil(() => monitor.activeHandles().timers === 1);
    await monitor.stop();
    expect(names()).toEqual(['room.disconnected:manually_stopped']);
    await expectReleased(monitor);
  });
});
