import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { longTransaction } from '../src/database/bounded-pool';
import type { Queryable } from '../src/database/sql';
import { ADMIN_KEY, JWT_SECRET, request, startTestApp, type TestApp } from './support/app';
import { addGame, createSession, waitUntil } from './support/factories';
import { freePort } from './support/global-setup';
import { startOwnPostgres, type OwnPostgres } from './support/own-postgres';
import { spawnServer, waitForHealthy, type ServerProcess } from './support/process';
import { authedSocket } from './support/ws';

jest.setTimeout(90_000);

interface Sent {
  username: string;
  /** `failed`: no answer at all (the connection broke). */
  status: number | 'failed';
  retryAfter: string | null;
  body: any;
}

/**
 * Votes as fast as the API answers, from a few bots at once, each vote from a username of its
 * own so that every stored vote can be told apart.
 */
function startVoting(baseUrl: string, token: string, prefix: string, bots = 4) {
  const sent: Sent[] = [];
  let running = true;
  let next = 0;
  const loops = Array.from({ length: bots }, async () => {
    while (running) {
      const username = `${prefix}${next++}`;
      try {
        const res = await request(baseUrl, 'POST', '/api/votes/live', {
          token,
          body: { username, vote: 'up', timestamp: new Date().toISOString() },
        });
        sent.push({
          username,
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          body: res.body,
        });
      } catch {
        sent.push({ username, status: 'failed', retryAfter: null, body: undefined });
      }
    }
  });
  return {
    sent,
    /** How many answers had this status since the n-th one. */
    count: (status: Sent['status'], since = 0) =>
      sent.slice(since).filter((s) => s.status === status).length,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

const UNAVAILABLE = {
  error: 'The database is unavailable right now; try again in a few seconds',
};

function expectUnavailable(answers: { status: unknown; retryAfter: string | null; body: any }[]) {
  for (const answer of answers) {
    expect(answer).toEqual({ ...answer, status: 503, retryAfter: '5', body: UNAVAILABLE });
  }
}

/** Every vote answered 200 is stored once; no vote is stored twice. */
async function expectAcknowledgedVotesStoredOnce(own: OwnPostgres, sent: Sent[], prefix: string) {
  const rows = await own.query<{ username: string; n: number }>(
    `SELECT username, count(*)::int AS n FROM votes WHERE username LIKE $1 GROUP BY username`,
    [`${prefix}%`],
  );
  const stored = new Map(rows.map((r) => [r.username, r.n]));
  const acknowledged = sent.filter((s) => s.status === 200).map((s) => s.username);
  expect(acknowledged.filter((u) => stored.get(u) !== 1)).toEqual([]);
  expect(rows.filter((r) => r.n !== 1)).toEqual([]);
}

describe('database faults', () => {
  let own: OwnPostgres;
  let t: TestApp;
  let token: string;
  let sessionId: number;

  beforeAll(async () => {
    own = await startOwnPostgres();
    t = await startTestApp(
      {
        database: {
          poolSize: 4,
          votePoolSize: 2,
          // Short enough for the fault tests, long enough that a busy machine's slow query
          // is not taken for a second outage.
          connectionTimeoutMs: 2_000,
          statementTimeoutMs: 2_000,
          longStatementTimeoutMs: 60_000,
          maxWaiting: 50,
        },
      },
      { name: 'own', url: own.url, drop: () => Promise.resolve() },
    );
    token = await t.login();
    sessionId = (await createSession(t, token)).id;
    await addGame(t, token, sessionId, 'Fibbage 4');
  });
  afterAll(async () => {
    own?.thaw();
    await t?.close();
    await own?.remove();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    // Whatever a test did to the server, the next one finds it up.
    own.thaw();
    await own.start();
  });

  it('answers 503 with Retry-After, never 500, while the database is stopped, and recovers by itself', async () => {
    const warnings = jest.spyOn(Logger.prototype, 'warn');
    const errors = jest.spyOn(Logger.prototype, 'error');
    const infos = jest.spyOn(Logger.prototype, 'log');
    const voting = startVoting(t.url, token, 'stopped_');
    try {
      await waitUntil(() => voting.count(200) >= 20);
      await own.stop();
      const stoppedAt = voting.sent.length;
      await waitUntil(() => voting.count(503, stoppedAt) >= 50);
      expect((await t.request('GET', '/health')).status).toBe(503);
      // A Nest route, and the other plain route (the poll vote), answer as the live vote does.
      const active = await t.request('GET', '/api/sessions/active');
      const pollVote = await t.request('POST', `/api/sessions/${sessionId}/poll/votes`, {
        token,
        body: { username: 'viewer', option: 1, timestamp: new Date().toISOString() },
      });
      expectUnavailable(
        [active, pollVote].map((res) => ({
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          body: res.body,
        })),
      );

      await own.start();
      const startedAt = voting.sent.length;
      await waitUntil(() => voting.count(200, startedAt) >= 20, 20_000);
    } finally {
      await voting.stop();
    }

    expect(voting.count(503)).toBeGreaterThanOrEqual(50);
    expect(voting.sent.filter((s) => s.status !== 200 && s.status !== 503)).toEqual([]);
    expectUnavailable(voting.sent.filter((s) => s.status === 503));
    await expectAcknowledgedVotesStoredOnce(own, voting.sent, 'stopped_');
    await waitUntil(async () => (await t.request('GET', '/health')).status === 200);

    // One warning for the outage, one line when it is over; no error per request.
    const said = (spy: jest.SpyInstance, pattern: RegExp) =>
      spy.mock.calls.filter(([message]) => typeof message === 'string' && pattern.test(message));
    expect(said(warnings, /^database unavailable/)).toHaveLength(1);
    await waitUntil(() => said(infos, /^database answering again/).length === 1);
    expect(errors.mock.calls.filter((call) => call[1] === 'unhandled error')).toEqual([]);
  });

  it('answers 503 while the database is frozen, within the configured bounds, and recovers once it thaws', async () => {
    // Connections open and idle, so the frozen server holds queries rather than refusing them.
    expect((await t.request('GET', '/api/sessions/active')).status).toBe(200);
    const vote = (username: string) =>
      t.request('POST', '/api/votes/live', {
        token,
        body: { username, vote: 'up', timestamp: new Date().toISOString() },
      });
    expect((await vote('frozen_warm_up')).status).toBe(200);
    const socket = await authedSocket(t.url, token);
    own.freeze();
    try {
      const answers = await Promise.all(
        [
          ...Array.from({ length: 6 }, (_, i) => vote(`frozen_${i}`)),
          t.request('GET', '/api/sessions/active'),
          t.request('GET', '/api/stats'),
        ].map(async (pending) => {
          const res = await pending;
          return { status: res.status, retryAfter: res.headers.get('retry-after'), body: res.body };
        }),
      );
      expectUnavailable(answers);
      expect((await t.request('GET', '/health')).status).toBe(503);
      socket.send({ type: 'subscribe', sessionId });
      expect(await socket.next((m) => m.type === 'error', 20_000)).toEqual({
        type: 'error',
        message: UNAVAILABLE.error,
      });
    } finally {
      own.thaw();
    }
    await waitUntil(async () => (await vote(`thawed_${Date.now()}`)).status === 200, 20_000);
    await waitUntil(async () => (await t.request('GET', '/health')).status === 200);
    socket.socket.close();
  });

  it('answers 503 for a statement that runs past DB_STATEMENT_TIMEOUT_MS', async () => {
    const locker = new Client({ connectionString: own.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE');
      const res = await t.request('GET', '/api/sessions/active');
      expectUnavailable([
        { status: res.status, retryAfter: res.headers.get('retry-after'), body: res.body },
      ]);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await t.request('GET', '/api/sessions/active')).status).toBe(200);
  });

  it('gives imports and sweeps DB_LONG_STATEMENT_TIMEOUT_MS, and requests DB_STATEMENT_TIMEOUT_MS', async () => {
    const db = t.app.get(DataSource);
    const timeout = async (q: Queryable) =>
      (await q.query<{ statement_timeout: string }[]>('SHOW statement_timeout'))[0]
        .statement_timeout;
    expect(await timeout(db)).toBe('2s');
    expect(await longTransaction(db, timeout)).toBe('1min');
    expect(await timeout(db)).toBe('2s');
  });

  it('refuses at once the requests past DB_MAX_WAITING, while those within it wait for the database', async () => {
    // Bounds far longer than the test, so that only the waiting limit can answer while frozen.
    const patient = await startTestApp(
      {
        database: {
          poolSize: 4,
          votePoolSize: 2,
          connectionTimeoutMs: 600_000,
          statementTimeoutMs: 600_000,
          longStatementTimeoutMs: 600_000,
          maxWaiting: 3,
        },
      },
      t.database,
    );
    try {
      const vote = (username: string) =>
        patient.request('POST', '/api/votes/live', {
          token,
          body: { username, vote: 'up', timestamp: new Date().toISOString() },
        });
      expect((await vote('waiting_warm_up')).status).toBe(200);
      own.freeze();
      const answers: { username: string; status: number; retryAfter: string | null; body: any }[] =
        [];
      let pending: Promise<void>[] = [];
      try {
        // Two votes hold the two connections, three wait for them, three are refused.
        pending = Array.from({ length: 8 }, async (_, i) => {
          const res = await vote(`waiting_${i}`);
          answers.push({
            username: `waiting_${i}`,
            status: res.status,
            retryAfter: res.headers.get('retry-after'),
            body: res.body,
          });
        });
        await waitUntil(() => answers.length === 3);
        expectUnavailable(answers);
      } finally {
        own.thaw();
      }
      await Promise.all(pending);
      expect(answers.slice(3).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    } finally {
      await patient.close();
    }
  });

  describe('a killed API process', () => {
    const servers: ServerProcess[] = [];
    afterAll(() => servers.forEach((s) => s.child.kill('SIGKILL')));

    async function start(port: number): Promise<ServerProcess> {
      const server = spawnServer({
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: own.url,
        ADMIN_KEY,
        JWT_SECRET,
        LOG_LEVEL: 'warn',
      });
      servers.push(server);
      await waitForHealthy(`http://127.0.0.1:${port}`, server);
      return server;
    }

    it('loses no acknowledged vote to kill -9 under load, and a restarted one serves again', async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const first = await start(port);
      const voting = startVoting(base, token, 'killed_');
      try {
        await waitUntil(() => voting.count(200) >= 50);
        first.child.kill('SIGKILL');
        await first.exited;
        const killedAt = voting.sent.length;
        await waitUntil(() => voting.count('failed', killedAt) > 0);
      } finally {
        await voting.stop();
      }
      await expectAcknowledgedVotesStoredOnce(own, voting.sent, 'killed_');

      await start(port);
      const again = await request(base, 'POST', '/api/votes/live', {
        token,
        body: { username: 'restarted', vote: 'down', timestamp: new Date().toISOString() },
      });
      expect(again.status).toBe(200);
    });
  });
});
