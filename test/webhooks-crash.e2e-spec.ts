import { Client } from 'pg';
import { ADMIN_KEY, JWT_SECRET, request } from './support/app';
import { ADMIN_URL_ENV, adminQuery, withDatabase } from './support/database';
import { freePort } from './support/global-setup';
import { spawnServer, waitForHealthy, type ServerProcess } from './support/process';
import { waitUntil } from './support/factories';
import { startReceiver } from './support/receiver';

jest.setTimeout(60_000);

describe('webhook deliveries survive a crash', () => {
  const database = `jbx_test_crash_${process.pid}`;
  const url = () => withDatabase(process.env[ADMIN_URL_ENV]!, database);
  const servers: ServerProcess[] = [];

  async function start(port: number, env: Record<string, string> = {}): Promise<ServerProcess> {
    const server = spawnServer({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: url(),
      ADMIN_KEY,
      JWT_SECRET,
      LOG_LEVEL: 'warn',
      // A send may take longer than a lease: the lease (5 s by default) is renewed meanwhile.
      WEBHOOK_TIMEOUT_MS: '60000',
      WEBHOOK_POLL_MS: '200',
      ...env,
    });
    servers.push(server);
    await waitForHealthy(`http://127.0.0.1:${port}`, server);
    return server;
  }

  /**
   * Logs in, creates a `game.added` webhook to `url`, opens a session and adds a game to it (the
   * add sent with `headers`): one delivery owed.
   */
  async function webhookThenGame(base: string, url: string, headers: Record<string, string> = {}) {
    const { body: login } = await request(base, 'POST', '/api/auth/login', {
      body: { apiKey: ADMIN_KEY },
    });
    const auth = { token: login.token as string };
    await request(base, 'POST', '/api/webhooks', {
      ...auth,
      body: { name: 'Bot', url, secret: 'crash_secret', events: ['game.added'] },
    });
    const session = (await request(base, 'POST', '/api/sessions', { ...auth, body: {} })).body;
    const [game] = (await request(base, 'GET', '/api/games?pack=The%20Jackbox%20Party%20Pack%209'))
      .body;
    await request(base, 'POST', `/api/sessions/${session.id}/games`, {
      ...auth,
      body: { game_id: game.id },
      headers,
    });
    return { session, game };
  }

  beforeAll(() => adminQuery(`CREATE DATABASE ${database}`));
  afterAll(async () => {
    servers.forEach((s) => s.child.kill('SIGKILL'));
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('delivers after a restart what a killed process was sending, and what it committed but never sent', async () => {
    const receiver = await startReceiver();
    receiver.reply = (_r, n) => (n === 0 ? { hang: true } : {});
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = await start(port);
    const { session, game } = await webhookThenGame(base, receiver.url);

    const client = new Client({ connectionString: url() });
    client.on('error', () => undefined); // dropped with the database at the end
    await client.connect();

    // Killed in the middle of the send, once its page's lease has been renewed: the lease
    // stays short however long the send takes, so a crash holds the delivery for 5 s at most.
    // Nothing of it is written before its attempt ends: it is owed by the page alone.
    await receiver.waitFor(1);
    const lease = async () =>
      (
        await client.query(
          `SELECT claimed_until, claimed_until <= now() + interval '5 s' AS short FROM webhook_pages`,
        )
      ).rows[0];
    const claimed = await lease();
    await waitUntil(async () => (await lease()).claimed_until > claimed.claimed_until);
    expect((await lease()).short).toBe(true);
    first.child.kill('SIGKILL');
    await first.exited;

    // Committed while no process is up to send it (as if killed right after the commit).
    await client.query(
      `INSERT INTO events (type, session_id, payload) VALUES ('game.added', $1, $2)`,
      [
        session.id,
        JSON.stringify({
          session: { id: session.id, is_active: true, games_played: 2 },
          game: { ...game, manually_added: true, room_code: null },
        }),
      ],
    );

    await start(port);
    const requests = await receiver.waitFor(3, 20_000);
    const ids = requests.map((r) => r.headers['x-webhook-id']);
    // The interrupted delivery, again once its claim's lease ran out (the other may come first: a
    // webhook can have several deliveries in flight).
    expect(ids.filter((id) => id === ids[0])).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    // The receiver has answered; the worker records that a moment later.
    const statuses = async () =>
      (await client.query(`SELECT status, attempts FROM webhook_deliveries ORDER BY id`)).rows;
    await waitUntil(async () => {
      const rows = await statuses();
      return rows.length === 2 && rows.every((r) => r.status === 'delivered');
    });
    // The attempt the crash cut off was never logged, so it is not counted: the count and the
    // log agree, attempt 1 of each delivery being the one that arrived.
    expect(await statuses()).toEqual([
      { status: 'delivered', attempts: 1 },
      { status: 'delivered', attempts: 1 },
    ]);
    const logged = await client.query(
      'SELECT delivery_id::int AS delivery, attempt, success FROM webhook_attempts ORDER BY delivery_id',
    );
    expect(logged.rows.map((r: any) => [r.attempt, r.success])).toEqual([
      [1, true],
      [1, true],
    ]);
    await client.end();
    await receiver.close();
  });

  it("logs the worker's lines without the id of the request that caused the event", async () => {
    // A database of its own: this server alone sends the deliveries, so its log has the
    // worker's line.
    const own = `${database}_log`;
    await adminQuery(`CREATE DATABASE ${own}`);
    const receiver = await startReceiver();
    receiver.reply = () => ({ status: 500 });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = await start(port, {
      LOG_LEVEL: 'info',
      DATABASE_URL: withDatabase(process.env[ADMIN_URL_ENV]!, own),
    });
    await webhookThenGame(base, receiver.url, { 'x-request-id': 'add-game-request-1' });
    const lines = () =>
      server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const workerLine = () =>
      lines().find((l) => l.context === 'WebhookDeliveryWorker' && /failed/.test(String(l.msg)));
    await waitUntil(() => workerLine() !== undefined);
    expect(lines().some((l) => l.reqId === 'add-game-request-1')).toBe(true);
    expect(workerLine()).not.toHaveProperty('reqId');
    server.child.kill('SIGKILL');
    await server.exited;
    await adminQuery(`DROP DATABASE IF EXISTS ${own} WITH (FORCE)`);
    await receiver.close();
  });
});
