import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from './support/app';
import { recordEvents } from './support/events';
import { createSession } from './support/factories';

const T0 = Date.parse('2025-11-01T20:00:00Z');
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();
const MIN = 60_000;

describe('live votes', () => {
  let t: TestApp;
  let token: string;
  let db: DataSource;
  let events: ReturnType<typeof recordEvents>;
  let ids: Record<string, number>;

  const vote = (body: object) => t.request('POST', '/api/votes/live', { token, body });
  const api = (method: string, path: string, body?: unknown) =>
    t.request(method, path, { token, body });

  /** Checks the invariant: every game's counters equal what its vote rows say. */
  async function expectCountersMatchVoteRows() {
    const mismatched = await db.query(`
      SELECT g.id FROM games_with_votes g LEFT JOIN (
        SELECT game_id, count(*) FILTER (WHERE vote_type = 1) AS up, count(*) FILTER (WHERE vote_type = -1) AS down FROM votes GROUP BY game_id
      ) v ON v.game_id = g.id
      WHERE g.upvotes <> coalesce(v.up, 0) OR g.downvotes <> coalesce(v.down, 0) OR g.popularity_score <> g.upvotes - g.downvotes`);
    expect(mismatched).toEqual([]);
  }

  /**
   * This test's own active session with these games, the n-th played from `start` + n * 10
   * minutes after T0.
   */
  async function sessionPlaying(
    titles = ['Fibbage 4', 'Quiplash 3', 'Job Job'],
    start = 0,
  ): Promise<number> {
    const session = await createSession(t, token);
    for (const [i, title] of titles.entries()) {
      const added = await api('POST', `/api/sessions/${session.id}/games`, { game_id: ids[title] });
      await db.query('UPDATE session_games SET played_at = $2 WHERE id = $1', [
        added.body.id,
        at(start + i * 10 * MIN),
      ]);
    }
    return session.id;
  }

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.login();
    db = t.app.get(DataSource);
    events = recordEvents(t);
    const rows = await db.query<{ id: number; title: string }[]>('SELECT id, title FROM games');
    ids = Object.fromEntries(rows.map((r) => [r.title, r.id]));
  });
  afterAll(() => t.close());

  it('404 without an active session, then 404 while it has no game', async () => {
    const active = await t.request('GET', '/api/sessions/active');
    if (active.body.id) await api('POST', `/api/sessions/${active.body.id}/close`, {});
    const none = await vote({ username: 'A', vote: 'up', timestamp: at(0) });
    expect(none.status).toBe(404);
    expect(none.body.error).toMatch(/^No active session/);
    const sessionId = (await api('POST', '/api/sessions', {})).body.id;
    const empty = await vote({ username: 'A', vote: 'up', timestamp: at(0) });
    expect(empty.status).toBe(404);
    expect(empty.body.error).toBe(
      `Session ${sessionId} has no games yet: add a game before voting`,
    );
  });

  it('attributes a vote to the game being played at its timestamp, across three games', async () => {
    await sessionPlaying();
    const cases: [number, string][] = [
      [0, 'Fibbage 4'],
      [10 * MIN - 1, 'Fibbage 4'],
      [10 * MIN, 'Quiplash 3'],
      [15 * MIN, 'Quiplash 3'],
      [20 * MIN, 'Job Job'],
      [5 * 60 * MIN, 'Job Job'],
    ];
    for (const [i, [offset, title]] of cases.entries()) {
      const res = await vote({ username: `attr${i}`, vote: 'up', timestamp: at(offset) });
      expect([offset, res.status, res.body.game?.title]).toEqual([offset, 200, title]);
    }
  });

  it('answers the recorded vote, field for field', async () => {
    const sessionId = await sessionPlaying();
    const before = (await t.request('GET', `/api/games/${ids['Job Job']}`)).body;
    const res = await vote({ username: 'TestUser', vote: 'up', timestamp: '2025-11-01T20:30:00Z' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      message: 'Vote recorded successfully',
      session: { id: sessionId, games_played: 3 },
      game: {
        id: ids['Job Job'],
        title: 'Job Job',
        upvotes: before.upvotes + 1,
        downvotes: before.downvotes,
        popularity_score: before.popularity_score + 1,
      },
      vote: { username: 'TestUser', type: 'up', timestamp: '2025-11-01T20:30:00Z' },
    });
  });

  it('says which games and times exist when the timestamp is before the first game', async () => {
    const sessionId = await sessionPlaying();
    const res = await vote({ username: 'early', vote: 'down', timestamp: at(-1000) });
    expect(res.status).toBe(404);
    expect(res.body.error).toBe(
      `No game was being played at ${at(-1000)}: it is before the first game of session ${sessionId}. ` +
        `Games: "Fibbage 4" from ${at(0)}, "Quiplash 3" from ${at(10 * MIN)}, "Job Job" from ${at(20 * MIN)}`,
    );
  });

  it('refuses a second vote of a user within 1 second (either side), allows it at 1 second', async () => {
    await sessionPlaying();
    expect((await vote({ username: 'dup', vote: 'up', timestamp: at(30 * MIN) })).status).toBe(200);
    const again = await vote({ username: 'dup', vote: 'down', timestamp: at(30 * MIN + 999) });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe(
      `Duplicate vote: dup already voted within 1 second of ${at(30 * MIN + 999)}`,
    );
    expect(
      (await vote({ username: 'dup', vote: 'up', timestamp: at(30 * MIN - 500) })).status,
    ).toBe(409);
    expect((await vote({ username: 'other', vote: 'up', timestamp: at(30 * MIN) })).status).toBe(
      200,
    );
    expect(
      (await vote({ username: 'dup', vote: 'down', timestamp: at(30 * MIN + 1000) })).status,
    ).toBe(200);
    await expectCountersMatchVoteRows();
  });

  it('with a ticker votes for that game directly, in the session or not', async () => {
    await sessionPlaying();
    const res = await vote({
      username: 'tick',
      vote: 'down',
      timestamp: at(31 * MIN),
      ticker: 'teeko2',
    });
    expect(res.status).toBe(200);
    expect(res.body.game.title).toBe('Tee K.O. 2');
    const unknown = await vote({
      username: 'tick2',
      vote: 'up',
      timestamp: at(31 * MIN),
      ticker: 'NOPE',
    });
    expect(unknown).toMatchObject({ status: 404, body: { error: 'No game has the ticker NOPE' } });
  });

  it.each([
    [{ vote: 'up', timestamp: at(0) }, /^username must be a string/],
    [{ username: '', vote: 'up', timestamp: at(0) }, /^username must be longer/],
    // 100 characters to class-validator, which leaves variation selectors out; 200 to the
    // database's length CHECK, which refused it with a 500 before.
    [
      { username: 'a\uFE0F'.repeat(100), vote: 'up', timestamp: at(0) },
      /^username must be shorter/,
    ],
    [{ username: 'A', vote: 'sideways', timestamp: at(0) }, /^vote must be one of/],
    [{ username: 'A', vote: 'up' }, /^timestamp must be a string/],
    [{ username: 'A', vote: 'up', timestamp: 'yesterday' }, /^timestamp must be an ISO 8601/],
    [
      { username: 'A', vote: 'up', timestamp: '2025-13-45T99:00:00Z' },
      /^timestamp is not a valid date/,
    ],
    [
      { username: 'A', vote: 'up', timestamp: '0000-01-01T00:00:00Z' },
      /^timestamp is not a valid date/,
    ],
    [
      { username: 'A', vote: 'up', timestamp: '9999-12-31T23:59:00-14:00' },
      /^timestamp is not a valid date/,
    ],
    [{ username: 'A', vote: 'up', timestamp: 1730491200000 }, /^timestamp must be a string/],
    [{ username: 'A', vote: 'up', timestamp: at(0), ticker: 'TOO-LONG' }, /^ticker must be 2 to 6/],
    [{ username: 'A', vote: 'up', timestamp: at(0), extra: 1 }, /extra should not exist/],
  ])('refuses %j with 400 and records nothing', async (body, message) => {
    const before = await events.lastId();
    const res = await vote(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
    expect(await events.lastId()).toBe(before);
  });

  it('records vote.received for each vote, none for a refused one', async () => {
    const sessionId = await sessionPlaying();
    const since = await events.lastId();
    events.clear();
    await vote({ username: 'ev', vote: 'up', timestamp: at(40 * MIN) });
    await vote({ username: 'ev', vote: 'up', timestamp: at(40 * MIN) }); // 409
    await vote({ username: 'ev', vote: 'up', timestamp: at(-5 * MIN) }); // 404
    const stored = await events.stored(since);
    expect(stored).toHaveLength(1);
    const game = (await t.request('GET', `/api/games/${ids['Job Job']}`)).body;
    expect(stored[0]).toEqual({
      id: expect.any(String),
      type: 'vote.received',
      session_id: sessionId,
      payload: {
        sessionId,
        game: { id: ids['Job Job'], title: 'Job Job', pack_name: 'The Jackbox Party Pack 8' },
        vote: { username: 'ev', type: 'up', timestamp: at(40 * MIN) },
        totals: {
          upvotes: game.upvotes,
          downvotes: game.downvotes,
          popularity_score: game.popularity_score,
        },
      },
    });
    expect(events.published.map((e) => [e.type, e.id])).toEqual([
      ['vote.received', Number(stored[0].id)],
    ]);
  });

  it('50 identical requests at once record exactly one vote and move the counters by one', async () => {
    await sessionPlaying();
    const before = (await t.request('GET', `/api/games/${ids['Job Job']}`)).body;
    const body = { username: 'spammer', vote: 'up', timestamp: at(50 * MIN) };
    const results = await Promise.all(Array.from({ length: 50 }, () => vote(body)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const after = (await t.request('GET', `/api/games/${ids['Job Job']}`)).body;
    expect(after.upvotes).toBe(before.upvotes + 1);
    expect(
      await db.query(`SELECT count(*)::int AS n FROM votes WHERE username = 'spammer'`),
    ).toEqual([{ n: 1 }]);
    await expectCountersMatchVoteRows();
  });

  it('50 votes of one user at once, each within a second of all the others, record exactly one', async () => {
    await sessionPlaying();
    // 15 ms apart: no two the same instant, any two less than a second apart.
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        vote({ username: 'drummer', vote: 'up', timestamp: at(52 * MIN + i * 15) }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
    expect(
      await db.query(`SELECT count(*)::int AS n FROM votes WHERE username = 'drummer'`),
    ).toEqual([{ n: 1 }]);
    await expectCountersMatchVoteRows();
  });

  it('many users voting at once all count', async () => {
    await sessionPlaying();
    const before = (await t.request('GET', `/api/games/${ids['Job Job']}`)).body;
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        vote({ username: `crowd${i}`, vote: i % 3 ? 'up' : 'down', timestamp: at(55 * MIN) }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const after = (await t.request('GET', `/api/games/${ids['Job Job']}`)).body;
    expect([after.upvotes - before.upvotes, after.downvotes - before.downvotes]).toEqual([40, 20]);
    await expectCountersMatchVoteRows();
  });

  it('votes and session changes at the same moment neither deadlock nor fail', async () => {
    const sessionId = await sessionPlaying();
    let voting = true;
    let n = 0;
    const voteStatuses: number[] = [];
    const voter = async () => {
      while (voting) {
        const res = await vote({ username: `busy${n++}`, vote: 'up', timestamp: at(60 * MIN) });
        voteStatuses.push(res.status);
      }
    };
    const voters = Array.from({ length: 6 }, voter);
    const changeStatuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const game_id = ids[i % 2 ? 'Quiplash 3' : 'Fibbage 4'];
      const added = await api('POST', `/api/sessions/${sessionId}/games`, { game_id });
      const path = `/api/sessions/${sessionId}/games/${added.body.id}`;
      const renamed = await api('PATCH', `${path}/room-code`, { room_code: 'ABCD' });
      const removed = await api('DELETE', path);
      changeStatuses.push(added.status, renamed.status, removed.status);
    }
    voting = false;
    await Promise.all(voters);
    expect(changeStatuses.filter((s) => s !== 200 && s !== 201)).toEqual([]);
    expect(voteStatuses.length).toBeGreaterThan(20);
    expect(voteStatuses.filter((s) => s !== 200)).toEqual([]);
    await expectCountersMatchVoteRows();
  });

  describe('history', () => {
    it('GET /api/votes filters and paginates', async () => {
      const sessionId = await sessionPlaying();
      // This test's votes: enough for three pages of 7, under names no other test uses.
      for (let i = 0; i < 15; i++) {
        await vote({ username: `hist${i}`, vote: i % 4 ? 'up' : 'down', timestamp: at(i * MIN) });
      }
      await vote({ username: 'hist-dup', vote: 'up', timestamp: at(30 * MIN) });
      await vote({ username: 'hist-dup', vote: 'down', timestamp: at(30 * MIN + 1000) });
      await vote({
        username: 'hist-tick',
        vote: 'down',
        timestamp: at(31 * MIN),
        ticker: 'teeko2',
      });
      const all = await t.request('GET', '/api/votes?limit=100');
      expect(all.status).toBe(200);
      const total = all.body.pagination.total;
      expect(total).toBe(
        await db.query('SELECT count(*)::int AS n FROM votes').then((r) => r[0].n),
      );
      expect(all.body.votes[0]).toEqual({
        id: expect.any(Number),
        session_id: expect.any(Number),
        game_id: expect.any(Number),
        game_title: expect.any(String),
        pack_name: expect.any(String),
        username: expect.any(String),
        vote_type: expect.stringMatching(/^(up|down)$/),
        timestamp: expect.any(String),
        created_at: expect.any(String),
      });
      const times = all.body.votes.map((v: any) => v.timestamp);
      expect(times).toEqual([...times].sort().reverse());

      const page2 = await t.request('GET', '/api/votes?page=2&limit=7');
      expect(page2.body.pagination).toEqual({
        page: 2,
        limit: 7,
        total,
        total_pages: Math.ceil(total / 7),
      });
      expect(page2.body.votes.map((v: any) => v.id)).toEqual(
        all.body.votes.slice(7, 14).map((v: any) => v.id),
      );
      const past = await t.request('GET', `/api/votes?page=${Math.ceil(total / 7) + 1}&limit=7`);
      expect(past.body.votes).toEqual([]);

      const mine = await t.request('GET', '/api/votes?username=hist-dup');
      expect(mine.body.votes.map((v: any) => v.vote_type)).toEqual(['down', 'up']);
      const downs = await t.request(
        'GET',
        `/api/votes?vote_type=down&game_id=${ids['Tee K.O. 2']}&session_id=${sessionId}`,
      );
      expect(downs.body.votes.map((v: any) => v.username)).toEqual(['hist-tick']);
      expect((await t.request('GET', '/api/votes?username=nobody')).body).toEqual({
        votes: [],
        pagination: { page: 1, limit: 50, total: 0, total_pages: 0 },
      });
    });

    it.each([
      'limit=101',
      'limit=0',
      'page=0',
      'vote_type=sideways',
      'session_id=abc',
      'game_id=-1',
    ])('GET /api/votes?%s is 400', async (q) => {
      expect((await t.request('GET', `/api/votes?${q}`)).status).toBe(400);
    });

    it('GET /api/sessions/:id/votes totals per game', async () => {
      const sessionId = await sessionPlaying();
      await vote({ username: 'tally1', vote: 'up', timestamp: at(1 * MIN) });
      await vote({ username: 'tally2', vote: 'up', timestamp: at(2 * MIN) });
      await vote({ username: 'tally3', vote: 'down', timestamp: at(12 * MIN) });
      const res = await t.request('GET', `/api/sessions/${sessionId}/votes`);
      expect(res.status).toBe(200);
      const fib = res.body.votes.find((v: any) => v.title === 'Fibbage 4');
      expect(fib).toEqual({
        game_id: ids['Fibbage 4'],
        title: 'Fibbage 4',
        pack_name: 'The Jackbox Party Pack 9',
        upvotes: 2,
        downvotes: 0,
        net_score: 2,
        total_votes: 2,
      });
      expect((await t.request('GET', '/api/sessions/999999/votes')).status).toBe(404);
    });
  });

  describe('chat import', () => {
    let chatSession: number;
    /** Where this test's chat log starts: duplicates are per user across sessions. */
    let base = 0;
    let nextBase = 0;
    // Each test imports into a session of its own: a second import must find only its own.
    const log = () => [
      {
        username: 'viewer1',
        message: 'lol THISGAME++ so good',
        timestamp: at(base + 100 * MIN + 1000),
      },
      { username: 'viewer2', message: 'thisgame-- meh', timestamp: at(base + 100 * MIN + 2000) },
      { username: 'viewer1', message: 'thisgame++ again', timestamp: at(base + 100 * MIN + 1500) }, // within 1 s of viewer1's vote
      { username: 'viewer3', message: 'hello chat', timestamp: at(base + 100 * MIN + 3000) },
      { username: 'viewer3', message: 'thisgame++ thisgame--', timestamp: at(base + 110 * MIN) }, // ++ wins, second game
      { username: 'viewer4', message: 'thisgame++', timestamp: at(base + 90 * MIN) }, // before the first game
      {
        username: 'viewer5',
        message: 'this game ++ (not a vote)',
        timestamp: at(base + 100 * MIN),
      },
    ];

    beforeEach(async () => {
      base = nextBase += 24 * 60 * MIN;
      chatSession = await sessionPlaying(['Drawful 2', 'Quiplash 3'], base + 100 * MIN);
    });

    it('counts votes, skips duplicates and unmatched, ignores the rest', async () => {
      const before = await events.lastId();
      const res = await api('POST', `/api/sessions/${chatSession}/chat-import`, {
        chatData: log(),
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        success: true,
        message: 'Chat imported: 3 votes counted',
        total_messages: 7,
        votes_found: 5,
        votes_counted: 3,
        duplicates_skipped: 1,
        unmatched: 1,
        ignored: 2,
        games: [
          { game_id: ids['Drawful 2'], title: 'Drawful 2', upvotes: 1, downvotes: 1 },
          { game_id: ids['Quiplash 3'], title: 'Quiplash 3', upvotes: 1, downvotes: 0 },
        ],
      });
      expect(await events.lastId()).toBe(before); // chat imports do not announce votes
      await expectCountersMatchVoteRows();
    });

    it('importing the same log again (bare array form) counts nothing new', async () => {
      expect(
        (await api('POST', `/api/sessions/${chatSession}/chat-import`, { chatData: log() })).body
          .votes_counted,
      ).toBe(3);
      const res = await api('POST', `/api/sessions/${chatSession}/chat-import`, log());
      expect(res.body).toMatchObject({
        votes_counted: 0,
        duplicates_skipped: 4,
        unmatched: 1,
        games: [],
      });
      await expectCountersMatchVoteRows();
    });

    it.each([
      [{}, /chatData must be an array/],
      [
        { chatData: [{ username: 'x', message: 'thisgame++' }] },
        /chatData\.0\.timestamp must be a string/,
      ],
      [
        { chatData: [{ username: 'x', message: 'thisgame++', timestamp: 'soon' }] },
        /chatData\.0\.timestamp must be an ISO 8601/,
      ],
      [
        { chatData: [{ username: 'x', message: 'thisgame++', timestamp: '0000-01-01T00:00Z' }] },
        /chatData\.0\.timestamp is not a valid date/,
      ],
      [{ chatData: ['thisgame++'] }, /chatData\.0/],
      [
        {
          chatData: [{ username: 'a\uFE0F'.repeat(100), message: 'thisgame++', timestamp: at(0) }],
        },
        /chatData\.0\.username must be shorter/,
      ],
    ])('refuses %j with 400', async (body, message) => {
      const res = await api('POST', `/api/sessions/${chatSession}/chat-import`, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
    });

    it('answers 404 for a missing session', async () => {
      expect((await api('POST', '/api/sessions/999999/chat-import', { chatData: [] })).status).toBe(
        404,
      );
    });

    it('imports 10,000 messages in one request', async () => {
      const messages = Array.from({ length: 10_000 }, (_, i) => ({
        username: `bulk${i % 2500}`,
        message: i % 4 === 3 ? 'just chatting' : i % 2 ? 'THISGAME--' : 'nice thisgame++',
        timestamp: at(base + 100 * MIN + 5000 + i * 250),
      }));
      const res = await api('POST', `/api/sessions/${chatSession}/chat-import`, {
        chatData: messages,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        total_messages: 10_000,
        votes_found: 7500,
        votes_counted: 7500,
        ignored: 2500,
      });
      await expectCountersMatchVoteRows();
    });
  });
});
