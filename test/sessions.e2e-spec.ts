import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from './support/app';
import { recordEvents } from './support/events';
import { addGame, createSession } from './support/factories';

describe('sessions', () => {
  let t: TestApp;
  let token: string;
  let events: ReturnType<typeof recordEvents>;
  let gameIds: Record<string, number>;

  const api = (method: string, path: string, body?: unknown) =>
    t.request(method, path, { token, body });

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.login();
    events = recordEvents(t);
    const rows = await t.app
      .get(DataSource)
      .query<{ id: number; title: string }[]>('SELECT id, title FROM games');
    gameIds = Object.fromEntries(rows.map((r) => [r.title, r.id]));
  });
  afterAll(() => t.close());

  async function closeActive() {
    const active = await t.request('GET', '/api/sessions/active');
    if (active.body.id) await api('POST', `/api/sessions/${active.body.id}/close`, {});
  }
  /** This test's own active session, with these games added in order. */
  async function sessionWith(titles: string[], body: object = {}) {
    const session = await createSession(t, token, body);
    const games: any[] = [];
    for (const title of titles) games.push(await addGame(t, token, session.id, title));
    return { session, games };
  }

  describe('lifecycle', () => {
    it('answers {session: null, message} when no session is active', async () => {
      await closeActive();
      expect((await t.request('GET', '/api/sessions/active')).body).toEqual({
        session: null,
        message: 'No active session',
      });
    });

    it('opens a session, records session.started, and refuses a second active one', async () => {
      await closeActive();
      const since = await events.lastId();
      events.clear();
      const res = await api('POST', '/api/sessions', { notes: 'Friday stream' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        notes: 'Friday stream',
        is_active: true,
        created_at: expect.any(String),
        closed_at: null,
        games_played: 0,
        pending_game_id: null,
        pending_game_source: null,
        pending_selection: null,
      });
      const active = await t.request('GET', '/api/sessions/active');
      expect(active.body).toEqual(res.body);
      const stored = await events.stored(since);
      expect(stored).toEqual([
        {
          id: expect.any(String),
          type: 'session.started',
          session_id: res.body.id,
          payload: {
            session: {
              id: res.body.id,
              is_active: true,
              created_at: res.body.created_at,
              notes: 'Friday stream',
            },
          },
        },
      ]);
      expect(events.published.map((e) => e.type)).toEqual(['session.started']);

      const second = await api('POST', '/api/sessions', {});
      expect(second.status).toBe(400);
      expect(second.body).toEqual({
        error: 'An active session already exists. Please close it before creating a new one.',
        activeSessionId: res.body.id,
      });
      expect((await events.stored(since)).length).toBe(1);
    });

    it('adds games: the new one plays, the previous one becomes played, play_count rises, game.added carries what a bot announces', async () => {
      const session = await createSession(t, token);
      const playsBefore = (await t.request('GET', `/api/games/${gameIds['Fibbage 4']}`)).body
        .play_count;
      const since = await events.lastId();
      const first = await api('POST', `/api/sessions/${session.id}/games`, {
        game_id: gameIds['Fibbage 4'],
      });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        session_id: session.id,
        game_id: gameIds['Fibbage 4'],
        status: 'playing',
        manually_added: false,
        room_code: null,
        title: 'Fibbage 4',
      });
      const second = await api('POST', `/api/sessions/${session.id}/games`, {
        game_id: gameIds['Quiplash 3'],
        manually_added: true,
        room_code: 'lsbn',
      });
      expect(second.body).toMatchObject({
        status: 'playing',
        manually_added: true,
        room_code: 'LSBN',
      });

      const games = (await t.request('GET', `/api/sessions/${session.id}/games`)).body;
      expect(games.map((g: any) => [g.title, g.status])).toEqual([
        ['Fibbage 4', 'played'],
        ['Quiplash 3', 'playing'],
      ]);
      expect((await t.request('GET', `/api/games/${gameIds['Fibbage 4']}`)).body.play_count).toBe(
        playsBefore + 1,
      );

      const stored = await events.stored(since);
      expect(stored.map((e) => e.type)).toEqual(['game.added', 'game.added']);
      expect(stored[1].payload).toEqual({
        session: { id: session.id, is_active: true, games_played: 2 },
        game: {
          id: gameIds['Quiplash 3'],
          title: 'Quiplash 3',
          pack_name: 'The Jackbox Party Pack 7',
          min_players: 3,
          max_players: 8,
          manually_added: true,
          source: 'manual',
          room_code: 'LSBN',
        },
      });
      expect((await t.request('GET', `/api/sessions/${session.id}`)).body.games_played).toBe(2);
    });

    it('changes status (one playing at a time), room code and player count, recording session-game.updated (and player-count.updated for the count)', async () => {
      const {
        session,
        games: [fib, qpl],
      } = await sessionWith(['Fibbage 4', 'Quiplash 3']);
      const since = await events.lastId();
      const playing = await api('PATCH', `/api/sessions/${session.id}/games/${fib.id}/status`, {
        status: 'playing',
      });
      expect(playing.body.status).toBe('playing');
      const games = (await t.request('GET', `/api/sessions/${session.id}/games`)).body;
      expect(games.map((g: any) => g.status)).toEqual(['playing', 'played']);
      expect(
        (
          await api('PATCH', `/api/sessions/${session.id}/games/${qpl.id}/status`, {
            status: 'skipped',
          })
        ).body.status,
      ).toBe('skipped');
      expect(
        (
          await api('PATCH', `/api/sessions/${session.id}/games/${fib.id}/room-code`, {
            room_code: 'abcd',
          })
        ).body.room_code,
      ).toBe('ABCD');
      expect(
        (
          await api('PATCH', `/api/sessions/${session.id}/games/${fib.id}/room-code`, {
            room_code: null,
          })
        ).body.room_code,
      ).toBeNull();
      expect(
        (
          await api('PATCH', `/api/sessions/${session.id}/games/${fib.id}/player-count`, {
            player_count: 6,
          })
        ).body.player_count,
      ).toBe(6);
      const stored = await events.stored(since);
      expect(stored.map((e) => [e.type, e.payload.change])).toEqual([
        ['session-game.updated', 'status'],
        ['session-game.updated', 'status'],
        ['session-game.updated', 'room_code'],
        ['session-game.updated', 'room_code'],
        ['session-game.updated', 'player_count'],
        ['player-count.updated', undefined],
      ]);
      expect(stored[5].payload).toEqual({
        sessionId: session.id,
        gameId: fib.id,
        roomCode: null,
        playerCount: 6,
      });
      expect(stored[4].payload.session_game).toEqual({
        id: fib.id,
        game_id: fib.game_id,
        title: 'Fibbage 4',
        status: 'playing',
        room_code: null,
        player_count: 6,
      });
    });

    it.each([
      ['status', { status: 'finished' }, /status must be one of/],
      ['room-code', { room_code: 'TOOLONG' }, /room_code must be 4 letters/],
      ['room-code', { room_code: 'AB12' }, /room_code must be 4 letters/],
      ['room-code', {}, /room_code must be a string/],
      ['player-count', { player_count: -1 }, /player_count must not be less than 0/],
      ['player-count', { player_count: '6' }, /player_count must be an integer/],
    ])('PATCH %s refuses %j with 400', async (path, body, message) => {
      const {
        session,
        games: [fib],
      } = await sessionWith(['Fibbage 4']);
      const res = await api('PATCH', `/api/sessions/${session.id}/games/${fib.id}/${path}`, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
    });

    it('answers 404 for unknown session games and games, 400 for bad ids', async () => {
      const session = await createSession(t, token);
      expect(
        await api('PATCH', `/api/sessions/${session.id}/games/999999/status`, { status: 'played' }),
      ).toMatchObject({ status: 404, body: { error: 'Session game not found' } });
      expect(
        (await api('POST', `/api/sessions/${session.id}/games`, { game_id: 999999 })).status,
      ).toBe(404);
      expect(
        (await api('POST', `/api/sessions/${session.id}/games`, { game_id: 'x' })).status,
      ).toBe(400);
      expect(
        (await api('PATCH', `/api/sessions/${session.id}/games/abc/status`, { status: 'played' }))
          .body,
      ).toEqual({ error: 'sessionGameId must be a positive integer' });
      expect((await t.request('GET', '/api/sessions/999999')).status).toBe(404);
      expect((await t.request('GET', '/api/sessions/999999/games')).status).toBe(404);
    });

    it('removes a session game, lowering play_count', async () => {
      const session = await createSession(t, token);
      const added = (
        await api('POST', `/api/sessions/${session.id}/games`, { game_id: gameIds['Job Job'] })
      ).body;
      const plays = (await t.request('GET', `/api/games/${gameIds['Job Job']}`)).body.play_count;
      const since = await events.lastId();
      expect((await api('DELETE', `/api/sessions/${session.id}/games/${added.id}`)).body).toEqual({
        success: true,
        message: `Session game ${added.id} removed`,
      });
      expect((await t.request('GET', `/api/games/${gameIds['Job Job']}`)).body.play_count).toBe(
        plays - 1,
      );
      expect((await events.stored(since)).map((e) => [e.type, e.payload.change])).toEqual([
        ['session-game.updated', 'removed'],
      ]);
      expect((await api('DELETE', `/api/sessions/${session.id}/games/${added.id}`)).status).toBe(
        404,
      );
    });

    it('closes with notes, records session.ended, then refuses new games (409) and a second close (409)', async () => {
      const { session } = await sessionWith(['Fibbage 4', 'Quiplash 3']);
      const since = await events.lastId();
      const closed = await api('POST', `/api/sessions/${session.id}/close`, {
        notes: 'Great night.\n\nSecond paragraph.',
      });
      expect(closed.status).toBe(200);
      expect(closed.body).toMatchObject({
        id: session.id,
        is_active: false,
        closed_at: expect.any(String),
        notes: 'Great night.\n\nSecond paragraph.',
      });
      const games = (await t.request('GET', `/api/sessions/${session.id}/games`)).body;
      expect(games.some((g: any) => g.status === 'playing')).toBe(false);
      expect(await events.stored(since)).toEqual([
        {
          id: expect.any(String),
          type: 'session.ended',
          session_id: session.id,
          payload: { session: { id: session.id, is_active: false, games_played: 2 } },
        },
      ]);
      const add = await api('POST', `/api/sessions/${session.id}/games`, {
        game_id: gameIds['Fibbage 4'],
      });
      expect(add.status).toBe(409);
      expect(add.body.error).toMatch(/closed/);
      expect((await api('POST', `/api/sessions/${session.id}/close`, {})).status).toBe(409);
      expect((await t.request('GET', '/api/sessions/active')).body.session).toBeNull();
    });
  });

  describe('history, notes, export and delete', () => {
    it('lists newest first with limit/offset and X-Total-Count', async () => {
      await closeActive();
      for (const notes of ['one', 'two', 'three']) {
        const s = await api('POST', '/api/sessions', { notes });
        if (notes === 'one') await addGame(t, token, s.body.id, 'Fibbage 4');
        await api('POST', `/api/sessions/${s.body.id}/close`, {});
      }
      const [{ total }] = await t.app
        .get(DataSource)
        .query('SELECT count(*)::int AS total FROM sessions');
      const all = await t.request('GET', '/api/sessions');
      expect(all.headers.get('x-total-count')).toBe(String(total));
      expect(all.body).toHaveLength(total);
      expect(all.body.slice(0, 3).map((s: any) => s.notes_preview)).toEqual([
        'three',
        'two',
        'one',
      ]);
      expect(all.body[2]).toMatchObject({ has_notes: true, games_played: 1, is_active: false });
      expect(all.body[0]).not.toHaveProperty('notes');
      const page = await t.request('GET', '/api/sessions?limit=2&offset=1');
      expect(page.body.map((s: any) => s.notes_preview)).toEqual(['two', 'one']);
      expect(page.headers.get('x-total-count')).toBe(String(total));
      expect(page.headers.get('x-prev-last-date')).toBe(all.body[0].created_at);
      expect(all.headers.get('x-prev-last-date')).toBeNull();
      expect((await t.request('GET', `/api/sessions?limit=all&offset=${total}`)).body).toEqual([]);
      expect((await t.request('GET', '/api/sessions?limit=-1')).status).toBe(400);
      expect((await t.request('GET', '/api/sessions?offset=x')).status).toBe(400);
    });

    it('replaces and deletes notes', async () => {
      const latest = await createSession(t, token, { notes: 'draft' });
      await api('POST', `/api/sessions/${latest.id}/close`, {});
      expect(
        (await api('PUT', `/api/sessions/${latest.id}/notes`, { notes: '# Recap' })).body.notes,
      ).toBe('# Recap');
      expect((await api('PUT', `/api/sessions/${latest.id}/notes`, {})).status).toBe(400);
      expect((await api('DELETE', `/api/sessions/${latest.id}/notes`)).body).toEqual({
        success: true,
        message: 'Notes deleted',
      });
      expect((await t.request('GET', `/api/sessions/${latest.id}`)).body.notes).toBeNull();
      expect((await api('PUT', '/api/sessions/999999/notes', { notes: 'x' })).status).toBe(404);
    });

    it('exports as text (default) and JSON', async () => {
      const { session: withGames } = await sessionWith(['Fibbage 4', 'Quiplash 3']);
      await api('POST', `/api/sessions/${withGames.id}/close`, {});
      const txt = await api('GET', `/api/sessions/${withGames.id}/export`);
      expect(txt.headers.get('content-type')).toMatch(/text\/plain/);
      expect(txt.text).toContain(`Jackbox Game Picker - session ${withGames.id}`);
      expect(txt.text).toMatch(/1\. .* Fibbage 4 \(The Jackbox Party Pack 9\)/);
      const json = await api('GET', `/api/sessions/${withGames.id}/export?format=json`);
      expect(json.body.session.id).toBe(withGames.id);
      expect(json.body.games.map((g: any) => g.title)).toEqual(['Fibbage 4', 'Quiplash 3']);
      expect((await api('GET', `/api/sessions/${withGames.id}/export?format=pdf`)).status).toBe(
        400,
      );
    });

    it('deletes closed sessions only', async () => {
      const { session: withGames } = await sessionWith(['Fibbage 4', 'Quiplash 3']);
      await api('POST', `/api/sessions/${withGames.id}/close`, {});
      const open = await api('POST', '/api/sessions', {});
      const refused = await api('DELETE', `/api/sessions/${open.body.id}`);
      expect(refused.status).toBe(409);
      await api('POST', `/api/sessions/${open.body.id}/close`, {});
      const playsBefore = (await t.request('GET', `/api/games/${gameIds['Fibbage 4']}`)).body
        .play_count;
      expect((await api('DELETE', `/api/sessions/${withGames.id}`)).body).toEqual({
        success: true,
        message: `Session ${withGames.id} deleted`,
      });
      expect((await t.request('GET', `/api/sessions/${withGames.id}`)).status).toBe(404);
      expect((await t.request('GET', `/api/games/${gameIds['Fibbage 4']}`)).body.play_count).toBe(
        playsBefore - 1,
      );
    });
  });

  describe('auth on every write', () => {
    it.each([
      ['POST', '/api/sessions'],
      ['POST', '/api/sessions/1/close'],
      ['DELETE', '/api/sessions/1'],
      ['PUT', '/api/sessions/1/notes'],
      ['DELETE', '/api/sessions/1/notes'],
      ['GET', '/api/sessions/1/export'],
      ['POST', '/api/sessions/1/games'],
      ['PATCH', '/api/sessions/1/games/1/status'],
      ['PATCH', '/api/sessions/1/games/1/room-code'],
      ['PATCH', '/api/sessions/1/games/1/player-count'],
      ['DELETE', '/api/sessions/1/games/1'],
      ['POST', '/api/sessions/1/chat-import'],
      ['POST', '/api/votes/live'],
    ])('%s %s needs a token', async (method, path) => {
      const before = await events.lastId();
      const res = await t.request(method, path, method === 'GET' ? {} : { body: {} });
      expect(res.status).toBe(401);
      expect(await events.lastId()).toBe(before);
    });
  });
});
