import { DataSource } from 'typeorm';
import { GameSourceAndSelection1764500300000 } from '../src/database/migrations/1764500300000-GameSourceAndSelection';
import { startTestApp, type TestApp } from './support/app';
import { createSession, gameId } from './support/factories';
import { authedSocket, ofType, type TestSocket } from './support/ws';

/**
 * Where each game of a session came from (`source`), and the pending selection every admin
 * shares: two instances on one database, an admin socket on each.
 */
describe('game source and the shared selection', () => {
  let a: TestApp;
  let b: TestApp;
  let token: string;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({}, a.database);
    token = await a.login();
  });

  afterAll(async () => {
    for (const s of sockets) s.socket.close();
    await b.close();
    await a.close();
  });

  const api = (t: TestApp, method: string, path: string, body?: unknown) =>
    t.request(method, path, { token, body });

  /** An admin socket on `t`, subscribed to the session. */
  async function subscriber(t: TestApp, sessionId: number): Promise<TestSocket> {
    const socket = await authedSocket(t.url, token);
    sockets.push(socket);
    socket.send({ type: 'subscribe', sessionId });
    await socket.next(ofType('subscribed'));
    return socket;
  }

  /** What a session read, the event log and the selection table say, to check nothing changed. */
  async function state(sessionId: number) {
    const db = a.app.get(DataSource);
    return {
      session: (await api(a, 'GET', `/api/sessions/${sessionId}`)).body,
      games: (await api(a, 'GET', `/api/sessions/${sessionId}/games`)).body,
      events: await db.query('SELECT id FROM events WHERE session_id = $1 ORDER BY id', [
        sessionId,
      ]),
    };
  }

  describe('source', () => {
    it('is stored, listed, exported and sent in game.added; derived from manually_added when alone', async () => {
      const session = await createSession(a, token);
      const bot = await subscriber(b, session.id);
      const ids = await Promise.all(
        ['Quiplash 3', 'Fibbage 4', 'Drawful 2', 'Trivia Murder Party 2', 'Job Job'].map((t) =>
          gameId(a, t),
        ),
      );
      const bodies = [
        { game_id: ids[0] },
        { game_id: ids[1], manually_added: true },
        { game_id: ids[2], manually_added: false },
        { game_id: ids[3], source: 'poll' },
        { game_id: ids[4], source: 'manual', manually_added: true },
      ];
      const expected = ['dice', 'manual', 'dice', 'poll', 'manual'];
      for (const [i, body] of bodies.entries()) {
        const res = await api(a, 'POST', `/api/sessions/${session.id}/games`, body);
        expect(res.status).toBe(201);
        expect(res.body).toMatchObject({
          source: expected[i],
          manually_added: expected[i] === 'manual',
        });
      }

      const listed = (await api(b, 'GET', `/api/sessions/${session.id}/games`)).body;
      expect(listed.map((g: any) => [g.game_id, g.source, g.manually_added])).toEqual(
        ids.map((id, i) => [id, expected[i], expected[i] === 'manual']),
      );

      await bot.next((m) => m.type === 'game.added' && m.data.game.id === ids[4]);
      const added = bot.messages.filter(ofType('game.added'));
      expect(added.map((m) => [m.data.game.id, m.data.game.source])).toEqual(
        ids.map((id, i) => [id, expected[i]]),
      );

      const json = await api(a, 'GET', `/api/sessions/${session.id}/export?format=json`);
      expect(json.body.games.map((g: any) => g.source)).toEqual(expected);
      const text = (await api(a, 'GET', `/api/sessions/${session.id}/export`)).text;
      const lines = text.split('\n').filter((l) => /^\d+\. /.test(l));
      expect(lines.map((l) => /\[(\w+), ([^,]+),/.exec(l)![2])).toEqual([
        'picked by the dice',
        'added by hand',
        'picked by the dice',
        'won the poll',
        'added by hand',
      ]);
    });

    it('refuses a bad source, and manually_added that contradicts it, changing nothing', async () => {
      const session = await createSession(a, token);
      const id = await gameId(a, 'Quiplash 3');
      const before = await state(session.id);
      const cases: [unknown, string][] = [
        [
          { game_id: id, source: 'magic' },
          'source must be one of the following values: dice, manual, poll',
        ],
        [
          { game_id: id, source: null },
          'source must be one of the following values: dice, manual, poll',
        ],
        [
          { game_id: id, source: 'poll', manually_added: true },
          'manually_added true contradicts source "poll": manually_added is true exactly when source is "manual"',
        ],
        [
          { game_id: id, source: 'manual', manually_added: false },
          'manually_added false contradicts source "manual": manually_added is true exactly when source is "manual"',
        ],
      ];
      for (const [body, error] of cases) {
        const res = await api(a, 'POST', `/api/sessions/${session.id}/games`, body);
        expect([res.status, res.body]).toEqual([400, { error }]);
      }
      expect(await state(session.id)).toEqual(before);
    });

    it('migrates old rows: their source comes from manually_added', async () => {
      const db = a.app.get(DataSource);
      const migration = new GameSourceAndSelection1764500300000();
      // Looked up first: the migration's statements lock the catalog until the rollback.
      const [q, f] = [await gameId(a, 'Quiplash 3'), await gameId(a, 'Fibbage 4')];
      const runner = db.createQueryRunner();
      await runner.startTransaction();
      try {
        await migration.down(runner);
        const [session] = await runner.query(
          `INSERT INTO sessions (is_active) VALUES (false) RETURNING id`,
        );
        await runner.query(
          `INSERT INTO session_games (session_id, game_id, status, manually_added)
           VALUES ($1, $2, 'played', true), ($1, $3, 'played', false)`,
          [session.id, q, f],
        );
        await migration.up(runner);
        const rows = await runner.query(
          'SELECT game_id, source, manually_added FROM session_games WHERE session_id = $1 ORDER BY id',
          [session.id],
        );
        expect(rows).toEqual([
          { game_id: q, source: 'manual', manually_added: true },
          { game_id: f, source: 'dice', manually_added: false },
        ]);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    });
  });

  describe('selection', () => {
    it('a pick on one instance reaches an admin on the other, shows on every read, and adding clears it', async () => {
      const session = await createSession(a, token);
      const other = await subscriber(b, session.id);
      const fibbage = await gameId(a, 'Fibbage 4');

      const picked = await api(a, 'POST', `/api/sessions/${session.id}/game-selection`, {
        game_id: fibbage,
        source: 'poll',
      });
      expect(picked.status).toBe(200);
      expect(picked.body).toEqual({
        game_id: fibbage,
        title: 'Fibbage 4',
        pack_name: 'The Jackbox Party Pack 9',
        source: 'poll',
        selected_by: 'Admin',
        selected_at: expect.any(String),
      });

      const event = await other.next(ofType('game.picked'));
      expect(event.data).toEqual({
        sessionId: session.id,
        game: { id: fibbage, title: 'Fibbage 4', pack_name: 'The Jackbox Party Pack 9' },
        source: 'poll',
        selectedBy: 'Admin',
        selectedAt: picked.body.selected_at,
      });
      expect(event.id).toEqual(expect.any(Number));

      // An admin opening the page later, on either instance, sees it.
      const pending = {
        pending_game_id: fibbage,
        pending_game_source: 'poll',
        pending_selection: picked.body,
      };
      expect((await api(b, 'GET', `/api/sessions/${session.id}`)).body).toMatchObject(pending);
      expect((await api(b, 'GET', '/api/sessions/active')).body).toMatchObject(pending);
      const [listed] = (await api(b, 'GET', '/api/sessions?limit=1')).body;
      expect(listed).toMatchObject({ id: session.id, ...pending });

      // A late subscriber resuming from before the pick is replayed it.
      const late = await authedSocket(b.url, token);
      sockets.push(late);
      late.send({ type: 'subscribe', sessionId: session.id, lastEventId: 0 });
      expect((await late.next(ofType('game.picked'))).data).toEqual(event.data);

      // Adding it with no source says: the source it was selected with.
      const added = await api(a, 'POST', `/api/sessions/${session.id}/games`, {
        game_id: fibbage,
      });
      expect(added.body.source).toBe('poll');
      const dismissed = await other.next(ofType('game.dismissed'));
      expect(dismissed.data).toEqual({
        sessionId: session.id,
        gameId: fibbage,
        source: 'poll',
        reason: 'added',
      });
      const order = other.messages
        .filter((m) => ['game.added', 'game.dismissed'].includes(m.type))
        .map((m) => m.type);
      expect(order).toEqual(['game.added', 'game.dismissed']);
      expect((await api(b, 'GET', `/api/sessions/${session.id}`)).body).toMatchObject({
        pending_game_id: null,
        pending_game_source: null,
        pending_selection: null,
      });
    });

    it('a new pick replaces the old; dismissing clears it once; closing drops it', async () => {
      const session = await createSession(a, token);
      const other = await subscriber(b, session.id);
      const [q, f] = [await gameId(a, 'Quiplash 3'), await gameId(a, 'Fibbage 4')];
      await api(a, 'POST', `/api/sessions/${session.id}/game-selection`, {
        game_id: q,
        source: 'dice',
      });
      await api(b, 'POST', `/api/sessions/${session.id}/game-selection`, {
        game_id: f,
        source: 'manual',
      });
      expect((await api(a, 'GET', `/api/sessions/${session.id}`)).body.pending_game_id).toBe(f);
      await other.next((m) => m.type === 'game.picked' && m.data.game.id === f);

      const dismissed = await api(b, 'DELETE', `/api/sessions/${session.id}/game-selection`);
      expect(dismissed.status).toBe(200);
      expect(dismissed.body).toEqual({
        success: true,
        message: `Selection of game ${f} dismissed`,
      });
      expect((await other.next(ofType('game.dismissed'))).data).toEqual({
        sessionId: session.id,
        gameId: f,
        source: 'manual',
        reason: 'dismissed',
      });

      // Nothing selected: 404, and no event.
      const before = await state(session.id);
      const again = await api(a, 'DELETE', `/api/sessions/${session.id}/game-selection`);
      expect([again.status, again.body]).toEqual([
        404,
        { error: `No game is selected in session ${session.id}` },
      ]);
      expect(await state(session.id)).toEqual(before);

      await api(a, 'POST', `/api/sessions/${session.id}/game-selection`, {
        game_id: q,
        source: 'dice',
      });
      await api(a, 'POST', `/api/sessions/${session.id}/close`, {});
      const ended = await other.next(ofType('session.ended'));
      const dropped = other.messages.filter(ofType('game.dismissed')).pop();
      expect(dropped.data).toEqual({
        sessionId: session.id,
        gameId: q,
        source: 'dice',
        reason: 'session_ended',
      });
      expect(other.messages.indexOf(dropped)).toBeLessThan(other.messages.indexOf(ended));
      expect((await api(a, 'GET', `/api/sessions/${session.id}`)).body.pending_selection).toBe(
        null,
      );
    });

    it('refuses bad input, unknown games and sessions, and closed sessions, changing nothing', async () => {
      const closed = await createSession(a, token);
      await api(a, 'POST', `/api/sessions/${closed.id}/close`, {});
      const session = await createSession(a, token);
      const q = await gameId(a, 'Quiplash 3');
      const path = `/api/sessions/${session.id}/game-selection`;
      const before = [await state(session.id), await state(closed.id)];
      const cases: [string, string, unknown, number, string][] = [
        [path, 'POST', { source: 'dice' }, 400, 'game_id must be an integer number'],
        [
          path,
          'POST',
          { game_id: q },
          400,
          'source must be one of the following values: dice, manual, poll',
        ],
        [
          path,
          'POST',
          { game_id: q, source: 'coin' },
          400,
          'source must be one of the following values: dice, manual, poll',
        ],
        [path, 'POST', { game_id: 'x', source: 'dice' }, 400, 'game_id must be an integer number'],
        [
          path,
          'POST',
          { game_id: q, source: 'dice', extra: 1 },
          400,
          'extra: property extra should not exist',
        ],
        [path, 'POST', { game_id: 999_999, source: 'dice' }, 404, 'Game 999999 not found'],
        [
          '/api/sessions/999999/game-selection',
          'POST',
          { game_id: q, source: 'dice' },
          404,
          'Session 999999 not found',
        ],
        [
          '/api/sessions/abc/game-selection',
          'POST',
          { game_id: q, source: 'dice' },
          400,
          'id must be a positive integer',
        ],
        [
          `/api/sessions/${closed.id}/game-selection`,
          'POST',
          { game_id: q, source: 'dice' },
          409,
          `Session ${closed.id} is closed: only the active session has a game selection`,
        ],
        [
          '/api/sessions/999999/game-selection',
          'DELETE',
          undefined,
          404,
          'Session 999999 not found',
        ],
        [path, 'DELETE', undefined, 404, `No game is selected in session ${session.id}`],
      ];
      for (const [url, method, body, status, error] of cases) {
        const res = await api(a, method, url, body);
        expect([method, url, body, res.status, res.body]).toEqual([
          method,
          url,
          body,
          status,
          { error },
        ]);
      }
      const anonymous = await a.request('POST', path, { body: { game_id: q, source: 'dice' } });
      expect([anonymous.status, anonymous.body]).toEqual([401, { error: 'Access token required' }]);
      const anonymousDelete = await a.request('DELETE', path);
      expect(anonymousDelete.status).toBe(401);
      expect([await state(session.id), await state(closed.id)]).toEqual(before);
    });
  });

  it('documents the selection endpoints and the source field, with examples', async () => {
    const { paths, components } = (await a.request('GET', '/api/docs-json')).body;
    const selection = paths['/api/sessions/{id}/game-selection'];
    for (const [method, statuses] of [
      ['post', ['200', '400', '401', '404', '409']],
      ['delete', ['200', '401', '404']],
    ] as const) {
      const operation = selection[method];
      expect(operation.summary).toEqual(expect.any(String));
      expect(operation.description).toEqual(expect.any(String));
      for (const status of statuses) {
        expect([method, status, operation.responses[status]?.description]).toEqual([
          method,
          status,
          expect.any(String),
        ]);
      }
    }
    const examples = (method: string, status: string) =>
      Object.values<any>(
        selection[method].responses[status].content['application/json'].examples,
      ).map((e) => e.value);
    expect(examples('post', '409')).toEqual([
      { error: 'Session 1 is closed: only the active session has a game selection' },
    ]);
    expect(examples('delete', '404')).toEqual([{ error: 'No game is selected in session 1' }]);
    for (const schema of ['GameSelectionDto', 'PendingSelectionDto']) {
      for (const [name, property] of Object.entries<any>(components.schemas[schema].properties)) {
        expect([schema, name, property.description, property.example]).toEqual([
          schema,
          name,
          expect.any(String),
          expect.anything(),
        ]);
      }
    }
    const source = components.schemas.AddSessionGameDto.properties.source;
    expect(source).toMatchObject({ enum: ['dice', 'manual', 'poll'], example: 'poll' });
    expect(components.schemas.SessionDto.properties.pending_selection.description).toEqual(
      expect.any(String),
    );
  });
});
