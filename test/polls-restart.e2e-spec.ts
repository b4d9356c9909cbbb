import { Client } from 'pg';
import { ADMIN_KEY, JWT_SECRET, request } from './support/app';
import { ADMIN_URL_ENV, adminQuery, withDatabase } from './support/database';
import { freePort } from './support/global-setup';
import { spawnServer, waitForHealthy, type ServerProcess } from './support/process';
import { ofType, openSocket } from './support/ws';

jest.setTimeout(60_000);

describe('a poll countdown across a restart', () => {
  const database = `jbx_test_poll_restart_${process.pid}`;
  const url = () => withDatabase(process.env[ADMIN_URL_ENV]!, database);
  const servers: ServerProcess[] = [];

  async function start(port: number): Promise<ServerProcess> {
    const server = spawnServer({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: url(),
      ADMIN_KEY,
      JWT_SECRET,
      LOG_LEVEL: 'warn',
      ROOM_MONITOR_ENABLED: 'false',
    });
    servers.push(server);
    await waitForHealthy(`http://127.0.0.1:${port}`, server);
    return server;
  }

  beforeAll(() => adminQuery(`CREATE DATABASE ${database}`));
  afterAll(async () => {
    servers.forEach((s) => s.child.kill('SIGKILL'));
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('ends the poll once, at its time, after the process that started the countdown was killed', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = await start(port);
    const { body: login } = await request(base, 'POST', '/api/auth/login', {
      body: { apiKey: ADMIN_KEY },
    });
    const auth = { token: login.token as string };
    const session = (await request(base, 'POST', '/api/sessions', { ...auth, body: {} })).body;
    await request(base, 'POST', `/api/sessions/${session.id}/voting/start`, {
      ...auth,
      body: { options: [{ label: 'Stay' }, { label: 'Go' }] },
    });
    for (const [username, option] of [
      ['a', 2],
      ['b', 2],
      ['c', 1],
    ] as const) {
      const voted = await request(base, 'POST', `/api/sessions/${session.id}/poll/votes`, {
        ...auth,
        body: { username, option, timestamp: new Date().toISOString() },
      });
      expect(voted.status).toBe(200);
    }
    const ending = await request(base, 'POST', `/api/sessions/${session.id}/voting/end`, {
      ...auth,
      body: { delay: 3 },
    });
    expect(ending.status).toBe(200);
    first.child.kill('SIGKILL');
    await first.exited;

    const client = new Client({ connectionString: url() });
    client.on('error', () => undefined);
    await client.connect();
    const ended = async () =>
      (
        await client.query(
          `SELECT id, created_at, payload FROM events WHERE session_id = $1 AND type = 'voting.ended'`,
          [session.id],
        )
      ).rows;
    // Killed before its countdown was due: nothing ended it.
    expect(await ended()).toEqual([]);

    await start(port);
    // A bot resuming after the last event it saw gets the end, whenever it came.
    const [countdown] = (
      await client.query(`SELECT id FROM events WHERE session_id = $1 AND type = 'poll.ending'`, [
        session.id,
      ])
    ).rows;
    const socket = await openSocket(base);
    socket.send({ type: 'auth', token: auth.token });
    await socket.next(ofType('auth_success'));
    socket.send({ type: 'subscribe', sessionId: session.id, lastEventId: Number(countdown.id) });
    const event = await socket.next(ofType('voting.ended'), 15_000);
    expect(event.data).toEqual({
      sessionId: session.id,
      winnerGameId: 0,
      winnerLabel: 'Go',
      winnerVotes: 2,
    });
    expect(Date.parse(event.timestamp)).toBeGreaterThanOrEqual(Date.parse(ending.body.ends_at));
    const poll = await request(base, 'GET', `/api/sessions/${session.id}/poll`);
    expect(poll.body).toMatchObject({ status: 'ended', leader: { label: 'Go', votes: 2 } });
    expect(await ended()).toHaveLength(1);
    socket.socket.close();
    await client.end();
  });
});
