import { DataSource } from 'typeorm';
import { POLL_LEADING_INTERVAL_MS, PollOutcomes } from '../src/polls/poll-outcomes';
import { PollsRepository } from '../src/polls/polls.repository';
import { startTestApp, type TestApp } from './support/app';
import { createSession, useCatalog, waitUntil } from './support/factories';
import { authedSocket, ofType, openSocket, type TestSocket } from './support/ws';

jest.setTimeout(60_000);

const GAMES = [
  { title: 'Fibbage 4', ticker: 'FIB4' },
  { title: 'Quiplash 3', ticker: 'QUIP3' },
  { title: 'Drawful 2', ticker: 'DRAW2' },
  { title: 'Trivia Murder Party 2', ticker: 'TMP2' },
  { title: 'Job Job', ticker: 'JOBJ' },
  { title: 'Dodo Re Mi', ticker: 'DODO' },
];

/** The poll events a session's subscriber received, in order. */
const pollEvents = (socket: TestSocket, type: string) =>
  socket.messages.filter((m) => m.type === type);

async function pollEventCount(t: TestApp, sessionId: number): Promise<number> {
  const [row] = await t.app
    .get(DataSource)
    .query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM events WHERE session_id = $1 AND (type LIKE 'poll.%' OR type = 'voting.ended')`,
      [sessionId],
    );
  return row.n;
}

/** Runs `jobs` on `workers` concurrent workers, each taking the next job when done. */
async function inWorkers<T>(workers: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]();
      }
    }),
  );
  return results;
}

/**
 * Every `poll.leading` after the first waited POLL_LEADING_INTERVAL_MS at least, by the events'
 * own timestamps (the database's clock), so their number is bounded by the time they span.
 */
function expectPaced(leading: any[]): void {
  const times = leading.map((m) => Date.parse(m.timestamp));
  for (let i = 1; i < times.length; i++) {
    expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(POLL_LEADING_INTERVAL_MS);
  }
  const span = times[times.length - 1] - times[0];
  expect(leading.length).toBeLessThanOrEqual(Math.floor(span / POLL_LEADING_INTERVAL_MS) + 1);
}

describe('viewer polls', () => {
  let t: TestApp;
  let token: string;
  let ids: Map<string, number>;

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.login();
    ids = await useCatalog(t, GAMES);
  });
  afterAll(() => t.close());

  const vote = (sessionId: number, body: object, auth = token) =>
    t.request('POST', `/api/sessions/${sessionId}/poll/votes`, { token: auth, body });
  const at = () => new Date().toISOString();

  async function subscribed(sessionId: number): Promise<TestSocket> {
    const socket = await authedSocket(t.url, token);
    socket.send({ type: 'subscribe', sessionId });
    await socket.next(ofType('subscribed'));
    return socket;
  }

  it('runs a whole poll: drawn options, 200 viewers changing their minds, paced leaders, a countdown, the winner added', async () => {
    const session = await createSession(t, token);
    // The session's last two games are left out of the draw.
    for (const title of ['Job Job', 'Dodo Re Mi']) {
      await t.request('POST', `/api/sessions/${session.id}/games`, {
        token,
        body: { game_id: ids.get(title) },
      });
    }
    const socket = await subscribed(session.id);

    const started = await t.request('POST', `/api/sessions/${session.id}/voting/start`, { token });
    expect(started.status).toBe(201);
    const options = started.body.options;
    expect(options).toHaveLength(4);
    expect(options[3]).toEqual({
      option: 4,
      game_id: null,
      label: 'Other',
      ticker: null,
      votes: 0,
    });
    const drawn = options.slice(0, 3).map((o: any) => o.game_id);
    expect(new Set(drawn).size).toBe(3);
    expect(drawn).not.toContain(ids.get('Job Job'));
    expect(drawn).not.toContain(ids.get('Dodo Re Mi'));
    expect(started.body).toMatchObject({ status: 'open', total_votes: 0, leader: null });

    const start = await socket.next(ofType('poll.start'));
    expect(start.data.sessionId).toBe(session.id);
    expect(Date.parse(start.data.pollStartedAt)).toBe(Date.parse(started.body.started_at));
    expect(start.data.options).toEqual(
      options.map((o: any) => ({
        option: o.option,
        gameId: o.game_id ?? 0,
        label: o.label,
        ticker: o.ticker,
      })),
    );

    // 200 viewers. Each first votes for (i % 4) + 1; every third changes their mind to option 1
    // (by ticker for half of them), every seventh votes the same option twice.
    const final = new Map<string, number>();
    const viewers = Array.from({ length: 200 }, (_, i) => {
      const username = `viewer${i}`;
      const choices: (number | string)[] = [(i % 4) + 1];
      if (i % 3 === 0) choices.push(i % 2 ? options[0].ticker.toLowerCase() : '1');
      if (i % 7 === 0) choices.push(choices[choices.length - 1]);
      final.set(username, i % 3 === 0 ? 1 : (i % 4) + 1);
      return async () => {
        for (const option of choices) {
          const res = await vote(session.id, { username, option, timestamp: at() });
          expect(res.status).toBe(200);
        }
      };
    });
    await inWorkers(8, viewers);

    const expected = [1, 2, 3, 4].map((n) => [...final.values()].filter((v) => v === n).length);
    const standings = await t.request('GET', `/api/sessions/${session.id}/poll`);
    expect(standings.status).toBe(200);
    expect(standings.body.options.map((o: any) => o.votes)).toEqual(expected);
    expect(standings.body.total_votes).toBe(200);
    expect(standings.body.leader).toEqual({
      option: 1,
      game_id: options[0].game_id,
      label: options[0].label,
      votes: expected[0],
    });

    // The last leader always goes out, and they never come faster than the pace allows.
    await waitUntil(() => {
      const last = pollEvents(socket, 'poll.leading').at(-1);
      return last?.data.votes === expected[0] && last.data.gameId === options[0].game_id;
    });
    const leading = pollEvents(socket, 'poll.leading');
    expectPaced(leading);
    expect(leading.at(-1).data).toEqual({
      sessionId: session.id,
      gameId: options[0].game_id,
      label: options[0].label,
      votes: expected[0],
    });

    const ending = await t.request('POST', `/api/sessions/${session.id}/voting/end`, {
      token,
      body: { delay: 1 },
    });
    expect(ending.status).toBe(200);
    expect(ending.body.ends_at).not.toBeNull();
    const countdown = await socket.next(ofType('poll.ending'));
    expect(countdown.data).toEqual({
      sessionId: session.id,
      endsAt: new Date(ending.body.ends_at).toISOString(),
    });
    const ended = await socket.next(ofType('voting.ended'));
    expect(ended.data).toEqual({
      sessionId: session.id,
      winnerGameId: options[0].game_id,
      winnerLabel: options[0].label,
      winnerVotes: expected[0],
    });
    expect(Date.parse(ended.timestamp)).toBeGreaterThanOrEqual(Date.parse(countdown.data.endsAt));

    const after = await t.request('GET', `/api/sessions/${session.id}/poll`);
    expect(after.body.status).toBe('ended');
    expect(after.body.leader.votes).toBe(expected[0]);
    // Votes after the end are refused, and change nothing.
    expect((await vote(session.id, { username: 'late', option: 2, timestamp: at() })).status).toBe(
      409,
    );

    const added = await t.request('POST', `/api/sessions/${session.id}/games`, {
      token,
      body: { game_id: ended.data.winnerGameId, source: 'poll' },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ game_id: options[0].game_id, source: 'poll' });
    const games = await t.request('GET', `/api/sessions/${session.id}/games`);
    expect(games.body.at(-1)).toMatchObject({ game_id: options[0].game_id, source: 'poll' });
    socket.socket.close();
  });

  it('gives a tie to the option that reached the count first', async () => {
    const session = await createSession(t, token);
    await t.request('POST', `/api/sessions/${session.id}/voting/start`, {
      token,
      body: { options: [{ game_id: ids.get('Fibbage 4') }, { label: 'Something else' }] },
    });
    await vote(session.id, { username: 'a', option: 2, timestamp: at() });
    await vote(session.id, { username: 'b', option: 'fib4', timestamp: at() });
    await vote(session.id, { username: 'c', option: 1, timestamp: at() });
    // Option 2 reaches 2 votes after option 1 did.
    await vote(session.id, { username: 'd', option: '2', timestamp: at() });
    const ended = await t.request('POST', `/api/sessions/${session.id}/voting/end`, {
      token,
      body: {},
    });
    expect(ended.status).toBe(200);
    expect(ended.body.status).toBe('ended');
    expect(ended.body.options.map((o: any) => o.votes)).toEqual([2, 2]);
    expect(ended.body.leader).toEqual({
      option: 1,
      game_id: ids.get('Fibbage 4'),
      label: 'Fibbage 4',
      votes: 2,
    });
  });

  it('cancels a countdown: the poll stays open and only a later countdown ends it', async () => {
    const session = await createSession(t, token);
    const socket = await subscribed(session.id);
    await t.request('POST', `/api/sessions/${session.id}/voting/start`, {
      token,
      body: { options: [{ label: 'Yes' }, { label: 'No' }] },
    });
    await vote(session.id, { username: 'v1', option: 2, timestamp: at() });
    const first = await t.request('POST', `/api/sessions/${session.id}/voting/end`, {
      token,
      body: { delay: 5 }, // long enough for the cancel to come first on a busy machine
    });
    const cancelled = await t.request('POST', `/api/sessions/${session.id}/voting/cancel-end`, {
      token,
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'open', ends_at: null });
    const event = await socket.next(ofType('poll.ending.cancelled'));
    expect(event.data).toEqual({ sessionId: session.id });

    // Had the first countdown fired, the poll would have ended at its time, before the second's.
    const second = await t.request('POST', `/api/sessions/${session.id}/voting/end`, {
      token,
      body: { delay: 7 },
    });
    const ended = await socket.next(ofType('voting.ended'));
    expect(Date.parse(ended.timestamp)).toBeGreaterThanOrEqual(Date.parse(second.body.ends_at));
    expect(Date.parse(second.body.ends_at)).toBeGreaterThan(Date.parse(first.body.ends_at));
    expect(ended.data).toEqual({
      sessionId: session.id,
      winnerGameId: 0,
      winnerLabel: 'No',
      winnerVotes: 1,
    });
    expect(pollEvents(socket, 'voting.ended')).toHaveLength(1);
    socket.socket.close();
  });

  it('relays poll.leading sent by an authenticated WebSocket client to the session subscribers', async () => {
    const session = await createSession(t, token);
    const subscriber = await subscribed(session.id);
    const counter = await authedSocket(t.url, token);
    counter.send({
      type: 'poll.leading',
      sessionId: session.id,
      gameId: 0,
      label: 'Other',
      votes: 12,
    });
    const relayed = await subscriber.next(ofType('poll.leading'));
    expect(relayed.data).toEqual({ sessionId: session.id, gameId: 0, label: 'Other', votes: 12 });
    expect(typeof relayed.id).toBe('number');

    counter.send({ type: 'poll.leading', sessionId: session.id, gameId: -1, label: '', votes: 1 });
    const refused = await counter.next(ofType('error'));
    expect(refused.message).toMatch(/^poll.leading needs sessionId/);
    counter.send({ type: 'poll.leading', sessionId: 999999, gameId: 1, label: 'X', votes: 1 });
    await counter.next((m) => m.type === 'error' && m.message === 'Session 999999 not found');

    const stranger = await openSocket(t.url);
    stranger.send({ type: 'poll.leading', sessionId: session.id, gameId: 0, label: 'X', votes: 1 });
    await stranger.next((m) => m.type === 'error' && /^Not authenticated/.test(m.message));
    stranger.socket.close();
    expect(pollEvents(subscriber, 'poll.leading')).toHaveLength(1);
    subscriber.socket.close();
    counter.socket.close();
  });

  it('documents every poll operation, field and error with a description and an example', async () => {
    const { body: doc } = await t.request('GET', '/api/docs-json');
    const operations = Object.entries(doc.paths as Record<string, Record<string, any>>)
      .filter(([path]) => /\/(voting|poll)\b/.test(path))
      .flatMap(([, ops]) => Object.values(ops));
    expect(operations).toHaveLength(5);
    for (const op of operations) {
      expect(op.summary && op.description).toBeTruthy();
      for (const parameter of op.parameters) {
        expect(parameter.description).toBeTruthy();
        expect(parameter.example ?? parameter.schema.example).toBeDefined();
      }
      for (const [status, response] of Object.entries<any>(op.responses)) {
        expect(response.description).toBeTruthy();
        if (Number(status) >= 400) {
          expect(Object.keys(response.content['application/json'].examples)).not.toEqual([]);
        }
      }
    }
    const schemas = Object.entries<any>(doc.components.schemas).filter(
      ([name]) => name.startsWith('Poll') || ['StartPollDto', 'EndPollDto'].includes(name),
    );
    expect(schemas.length).toBeGreaterThanOrEqual(9);
    for (const [name, schema] of schemas) {
      for (const [field, property] of Object.entries<any>(schema.properties)) {
        expect([name, field, property.description !== undefined]).toEqual([name, field, true]);
        expect([name, field, property.example !== undefined]).toEqual([name, field, true]);
      }
    }
    const start = doc.paths['/api/sessions/{id}/voting/start'].post;
    expect(start.requestBody.required).toBe(false);
    expect(doc.paths['/api/sessions/{id}/voting/end'].post.requestBody.required).toBe(false);
  });

  describe('bad input changes nothing', () => {
    let session: any;
    let before: any;
    let events: number;

    beforeAll(async () => {
      session = await createSession(t, token);
      await t.request('POST', `/api/sessions/${session.id}/voting/start`, {
        token,
        body: { options: [{ game_id: ids.get('Quiplash 3') }, { label: 'Other' }] },
      });
      await vote(session.id, { username: 'steady', option: 1, timestamp: at() });
      // Its poll.start and the leader the vote made: nothing more is coming.
      await waitUntil(async () => (await pollEventCount(t, session.id)) === 2);
    });
    beforeEach(async () => {
      before = (await t.request('GET', `/api/sessions/${session.id}/poll`)).body;
      events = await pollEventCount(t, session.id);
    });
    afterEach(async () => {
      expect((await t.request('GET', `/api/sessions/${session.id}/poll`)).body).toEqual(before);
      expect(await pollEventCount(t, session.id)).toBe(events);
    });

    it.each([
      [
        { username: 'x', option: 3, timestamp: '2025-11-01T20:30:00Z' },
        400,
        'option 3 is not in the poll: send a number from 1 to 2 or the ticker of a game in it',
      ],
      [
        { username: 'x', option: 'FIB4', timestamp: '2025-11-01T20:30:00Z' },
        400,
        'option "FIB4" is not in the poll: send a number from 1 to 2 or the ticker of a game in it',
      ],
      [
        { username: 'x', option: 0, timestamp: '2025-11-01T20:30:00Z' },
        400,
        'option must be an option number (1, 2, ...) or the ticker of a game in the poll',
      ],
      [
        { username: 'x', option: '!vote', timestamp: '2025-11-01T20:30:00Z' },
        400,
        'option must be an option number (1, 2, ...) or the ticker of a game in the poll',
      ],
      [
        { username: 'x', option: 1, timestamp: 'yesterday' },
        400,
        'timestamp must be an ISO 8601 date and time, e.g. 2025-11-01T20:30:00Z',
      ],
      [{ username: 'x', option: 1 }, 400, 'timestamp must be a string'],
      [{ option: 1, timestamp: '2025-11-01T20:30:00Z' }, 400, 'username must be a string'],
    ])('refuses the vote %j', async (body, status, message) => {
      const res = await vote(session.id, body);
      expect(res.status).toBe(status);
      expect(res.body.error).toContain(message);
    });

    it('refuses votes without a token, for a missing session, with a bad id', async () => {
      const body = { username: 'x', option: 1, timestamp: at() };
      expect((await vote(session.id, body, '')).status).toBe(401);
      expect(await vote(999999, body)).toMatchObject({
        status: 404,
        body: { error: 'Session 999999 not found' },
      });
      const bad = await t.request('POST', '/api/sessions/abc/poll/votes', { token, body });
      expect(bad).toMatchObject({ status: 400, body: { error: 'id must be a positive integer' } });
    });

    it.each([
      [
        { options: [{ game_id: 1, label: 'x' }, { label: 'y' }] },
        400,
        'options[0] needs either game_id or label, not both',
      ],
      [
        { options: [{ label: 'Other' }, { label: 'other' }] },
        400,
        '"other" is in the options twice',
      ],
      [{ options: [{ label: 'Only' }] }, 400, 'options must contain at least 2 elements'],
      [{ options: [{ game_id: 999999 }, { label: 'Other' }] }, 404, 'Game 999999 not found'],
      [{ options: [{ label: 'A' }, { label: 'B' }] }, 409, 'A poll is already open on session'],
    ])('refuses to start %j', async (body, status, message) => {
      const res = await t.request('POST', `/api/sessions/${session.id}/voting/start`, {
        token,
        body,
      });
      expect(res.status).toBe(status);
      expect(res.body.error).toContain(message);
    });

    it.each([
      [{ delay: 301 }, 'delay must not be greater than 300'],
      [{ delay: -1 }, 'delay must not be less than 0'],
      [{ delay: 1.5 }, 'delay must be an integer number'],
      [{ delay: null }, 'delay must be an integer number'],
      [{ delay: '10' }, 'delay must be an integer number'],
    ])('refuses to end with %j', async (body, message) => {
      const res = await t.request('POST', `/api/sessions/${session.id}/voting/end`, {
        token,
        body,
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toContain(message);
    });

    it('refuses to cancel a countdown that does not run, and reads of a missing session', async () => {
      const res = await t.request('POST', `/api/sessions/${session.id}/voting/cancel-end`, {
        token,
      });
      expect(res).toMatchObject({
        status: 409,
        body: { error: `No countdown is running on the poll of session ${session.id}` },
      });
      expect((await t.request('GET', '/api/sessions/999999/poll')).status).toBe(404);
      expect((await t.request('GET', '/api/sessions/0/poll')).status).toBe(400);
    });
  });

  it('ends the poll with its session, then refuses everything; and without a poll', async () => {
    const session = await createSession(t, token);
    const empty = await t.request('GET', `/api/sessions/${session.id}/poll`);
    expect(empty.body).toMatchObject({ poll_id: null, status: null, options: [], leader: null });
    const noPoll = `No poll is open on session ${session.id}`;
    expect(await vote(session.id, { username: 'x', option: 1, timestamp: at() })).toMatchObject({
      status: 409,
      body: { error: noPoll },
    });
    for (const path of ['voting/end', 'voting/cancel-end']) {
      const res = await t.request('POST', `/api/sessions/${session.id}/${path}`, { token });
      expect(res).toMatchObject({ status: 409, body: { error: noPoll } });
    }

    await t.request('POST', `/api/sessions/${session.id}/voting/start`, {
      token,
      body: { options: [{ label: 'A' }, { label: 'B' }] },
    });
    const socket = await subscribed(session.id);
    await t.request('POST', `/api/sessions/${session.id}/close`, { token, body: {} });
    // The poll ends with its session, with no winner (nobody voted).
    const ended = await socket.next(ofType('voting.ended'));
    expect(ended.data).toEqual({
      sessionId: session.id,
      winnerGameId: null,
      winnerLabel: null,
      winnerVotes: 0,
    });
    expect((await t.request('GET', `/api/sessions/${session.id}/poll`)).body.status).toBe('ended');
    socket.socket.close();
    const events = await pollEventCount(t, session.id);
    const closed = `Session ${session.id} is closed: polls run on the active session only`;
    expect(await vote(session.id, { username: 'x', option: 1, timestamp: at() })).toMatchObject({
      status: 409,
      body: { error: closed },
    });
    for (const path of ['voting/start', 'voting/end', 'voting/cancel-end']) {
      const res = await t.request('POST', `/api/sessions/${session.id}/${path}`, { token });
      expect(res).toMatchObject({ status: 409, body: { error: closed } });
    }
    expect(await pollEventCount(t, session.id)).toBe(events);
    expect((await t.request('GET', `/api/sessions/${session.id}/poll`)).body.total_votes).toBe(0);
  });

  it('ends the poll with its session even while a leader is being decided', async () => {
    const session = await createSession(t, token);
    await t.request('POST', `/api/sessions/${session.id}/voting/start`, {
      token,
      body: { options: [{ label: 'A' }, { label: 'B' }] },
    });
    const socket = await subscribed(session.id);
    // Hold the poll's row as deciding a leader does (PollsRepository.lockForLeading).
    const db = t.app.get(DataSource);
    const leader = db.createQueryRunner();
    await leader.connect();
    await leader.startTransaction();
    await leader.query(`SELECT 1 FROM polls WHERE session_id = $1 FOR NO KEY UPDATE`, [session.id]);
    const outcomes = t.app.get(PollOutcomes);
    const endWithSession = outcomes.endWithSession.bind(outcomes);
    let tried = false;
    const spy = jest.spyOn(outcomes, 'endWithSession').mockImplementation((id) =>
      endWithSession(id).finally(() => {
        tried = true;
      }),
    );
    try {
      await t.request('POST', `/api/sessions/${session.id}/close`, { token, body: {} });
      // The end either waits for the row (let it go then) or gave up on it: either is seen.
      const waiting = async () =>
        (
          await db.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          )
        )[0].n > 0;
      await waitUntil(async () => tried || (await waiting()));
      await leader.commitTransaction();
      const ended = await socket.next(ofType('voting.ended'));
      expect(ended.data).toMatchObject({ sessionId: session.id, winnerVotes: 0 });
      expect((await t.request('GET', `/api/sessions/${session.id}/poll`)).body.status).toBe(
        'ended',
      );
    } finally {
      spy.mockRestore();
      if (leader.isTransactionActive) await leader.rollbackTransaction();
      await leader.release();
      socket.socket.close();
    }
  });
});

describe('polls on two instances', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({}, a.database);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('paces leaders across instances and ends a countdown once', async () => {
    const token = await a.login();
    const session = await createSession(a, token);
    const socket = await authedSocket(b.url, token);
    socket.send({ type: 'subscribe', sessionId: session.id });
    await socket.next(ofType('subscribed'));
    await a.request('POST', `/api/sessions/${session.id}/voting/start`, {
      token,
      body: { options: [{ label: 'Red' }, { label: 'Blue' }, { label: 'Green' }] },
    });

    const jobs = Array.from({ length: 120 }, (_, i) => async () => {
      const app = i % 2 ? a : b;
      const res = await app.request('POST', `/api/sessions/${session.id}/poll/votes`, {
        token,
        body: {
          username: `v${i}`,
          option: i < 60 ? (i % 3) + 1 : 3,
          timestamp: new Date().toISOString(),
        },
      });
      expect(res.status).toBe(200);
    });
    await inWorkers(8, jobs);
    const green = 60 + 20;
    await waitUntil(() => pollEvents(socket, 'poll.leading').at(-1)?.data.votes === green);
    expectPaced(pollEvents(socket, 'poll.leading'));

    const sweeps = [a, b].map((app) => jest.spyOn(app.app.get(PollsRepository), 'openPolls'));
    await a.request('POST', `/api/sessions/${session.id}/voting/end`, {
      token,
      body: { delay: 1 },
    });
    const ended = await socket.next(ofType('voting.ended'));
    expect(ended.data).toEqual({
      sessionId: session.id,
      winnerGameId: 0,
      winnerLabel: 'Green',
      winnerVotes: green,
    });
    // Both instances' timers fired and each swept again since: still one end.
    const seen = sweeps.map((s) => s.mock.calls.length);
    await waitUntil(() => sweeps.every((s, i) => s.mock.calls.length >= seen[i] + 2));
    expect(await pollEventCount(a, session.id)).toBe(
      1 + pollEvents(socket, 'poll.leading').length + 1 + 1,
    );
    const [row] = await a.app
      .get(DataSource)
      .query(
        `SELECT count(*)::int AS n FROM events WHERE session_id = $1 AND type = 'voting.ended'`,
        [session.id],
      );
    expect(row.n).toBe(1);
    socket.socket.close();
  });

  it('ends a poll once when its session closes, whichever instance hears it first', async () => {
    const token = await a.login();
    const session = await createSession(a, token);
    const socket = await authedSocket(b.url, token);
    socket.send({ type: 'subscribe', sessionId: session.id });
    await socket.next(ofType('subscribed'));
    await b.request('POST', `/api/sessions/${session.id}/voting/start`, {
      token,
      body: { options: [{ label: 'Red' }, { label: 'Blue' }] },
    });
    const res = await a.request('POST', `/api/sessions/${session.id}/poll/votes`, {
      token,
      body: { username: 'v1', option: 2, timestamp: new Date().toISOString() },
    });
    expect(res.status).toBe(200);
    await a.request('POST', `/api/sessions/${session.id}/close`, { token, body: {} });
    const ended = await socket.next(ofType('voting.ended'));
    expect(ended.data).toMatchObject({ winnerLabel: 'Blue', winnerVotes: 1 });
    // Both instances have heard session.ended by now (b relayed it to the socket before).
    await waitUntil(() => socket.messages.some((m) => m.type === 'session.ended'));
    const count = async () =>
      (
        await a.app
          .get(DataSource)
          .query(
            `SELECT count(*)::int AS n FROM events WHERE session_id = $1 AND type = 'voting.ended'`,
            [session.id],
          )
      )[0].n as number;
    expect(await count()).toBe(1);
    socket.socket.close();
  });
});
