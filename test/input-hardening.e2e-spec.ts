import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from './support/app';

/** Client mistakes at the edges of the types: null where a value is required, ids past int4. */
describe('input edges answer 400 and change nothing', () => {
  let t: TestApp;
  let token: string;
  const api = (method: string, path: string, body?: unknown) =>
    t.request(method, path, { token, body });

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.login();
  });
  afterAll(() => t.close());

  it('games: null for a required or non-nullable field', async () => {
    const [fibbage] = (
      await t.request('GET', '/api/games?pack=The%20Jackbox%20Party%20Pack%209')
    ).body.filter((g: any) => g.title === 'Fibbage 4');
    const base = { pack_name: 'P', title: 'T', min_players: 1, max_players: 2 };
    for (const extra of [
      { enabled: null },
      { favor_bias: null },
      { has_audience: null },
      { family_friendly: null },
    ]) {
      const res = await api('POST', '/api/games', { ...base, ...extra });
      expect([extra, res.status]).toEqual([extra, 400]);
    }
    for (const body of [
      { title: null },
      { min_players: null },
      { pack_name: null },
      { has_audience: null },
      { enabled: null },
    ]) {
      const res = await api('PUT', `/api/games/${fibbage.id}`, body);
      expect([body, res.status]).toEqual([body, 400]);
    }
    expect((await t.request('GET', `/api/games/${fibbage.id}`)).body).toEqual(fibbage);
    // Nullable fields may still be cleared.
    expect(
      (await api('PUT', `/api/games/${fibbage.id}`, { length_minutes: null })).body.length_minutes,
    ).toBeNull();
  });

  it.each([
    [{ excludePlayed: true }, /^excludePlayed needs sessionId/],
    [{ pack: 'A', packs: ['B'] }, /^Send pack or packs, not both/],
    [{ sessionId: 2147483648 }, /^sessionId must not be greater than 2147483647/],
    [{ playerCount: null }, /^playerCount/],
    [{ familyFriendly: null }, /^familyFriendly must be a boolean/],
  ])('picker refuses %j', async (body, message) => {
    const res = await t.request('POST', '/api/pick', { body });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });

  it('sessions: oversized or null ids and flags', async () => {
    const session = (await api('POST', '/api/sessions', {})).body;
    for (const body of [
      { game_id: 2147483648 },
      { game_id: null },
      { game_id: 1, manually_added: null },
    ]) {
      const res = await api('POST', `/api/sessions/${session.id}/games`, body);
      expect([body, res.status]).toEqual([body, 400]);
    }
    expect((await t.request('GET', `/api/sessions/${session.id}/games`)).body).toEqual([]);
    expect((await t.request('GET', '/api/sessions/99999999999')).status).toBe(400);
  });

  it.each(['page=2000000', 'session_id=99999999999', 'game_id=2147483648'])(
    'GET /api/votes?%s',
    async (query) => {
      expect((await t.request('GET', `/api/votes?${query}`)).status).toBe(400);
    },
  );

  it('webhooks: null fields are refused without echoing the secret', async () => {
    const secret = 'hardening_secret_123';
    const hook = (
      await api('POST', '/api/webhooks', {
        name: 'B',
        url: 'http://127.0.0.1:9/',
        secret,
        events: ['game.added'],
      })
    ).body;
    for (const body of [
      { name: null },
      { events: null },
      { url: null },
      { secret: null },
      { enabled: null },
    ]) {
      const res = await api('PATCH', `/api/webhooks/${hook.id}`, body);
      expect([body, res.status]).toEqual([body, 400]);
      expect(res.text).not.toContain(secret);
    }
    expect(
      (
        await api('POST', '/api/webhooks', {
          name: 'B',
          url: 'http://127.0.0.1:9/',
          secret: null,
          events: ['game.added'],
        })
      ).status,
    ).toBe(400);
    const [stored] = await t.app
      .get(DataSource)
      .query('SELECT name, url, secret, events, enabled FROM webhooks WHERE id = $1', [hook.id]);
    expect(stored).toEqual({
      name: 'B',
      url: 'http://127.0.0.1:9/',
      secret,
      events: ['game.added'],
      enabled: true,
    });
  });

  describe('found by fuzzing', () => {
    const nul = 'a\u0000b';
    const JSON_TYPE = { 'content-type': 'application/json' };

    it.each([
      [
        'POST',
        '/api/games',
        { pack_name: 'P', title: nul, min_players: 1, max_players: 2 },
        /^title must not contain NUL/,
      ],
      ['POST', '/api/sessions', { notes: nul }, /^notes must not contain NUL/],
      [
        'POST',
        '/api/votes/live',
        { username: nul, vote: 'up', timestamp: '2025-11-01T20:00:00Z' },
        /^username must not contain NUL/,
      ],
      [
        'POST',
        '/api/webhooks',
        { name: 'B', url: `http://x.com/${nul}`, events: ['game.added'] },
        /^url must not contain NUL/,
      ],
      ['POST', '/api/pick', { packs: [nul] }, /^packs\.0 must not contain NUL/],
      ['GET', '/api/games?pack=a%00b', undefined, /^pack must not contain NUL/],
      ['PATCH', '/api/games/packs/a%00b/toggle', { enabled: true }, /^name must not contain NUL/],
      [
        'POST',
        '/api/games/import/csv',
        'pack_name,title,min_players,max_players\nP,a\u0000b,1,2',
        /line 2: title must not contain NUL/,
      ],
      ['POST', '/api/games/import/csv', { csv: nul }, /^csv must not contain NUL/],
    ])(
      '%s %s with a NUL character is a 400 naming the field',
      async (method, path, body, message) => {
        const res =
          typeof body === 'string'
            ? await t.request(method, path, {
                token,
                rawBody: body,
                headers: { 'content-type': 'text/csv' },
              })
            : await api(method, path, body);
        expect([res.status, res.body.error]).toEqual([400, expect.stringMatching(message)]);
      },
    );

    it('refuses JSON nested too deeply, on any route, before it reaches the validator', async () => {
      const deep = '['.repeat(3000) + ']'.repeat(3000);
      for (const path of ['/api/pick', '/api/auth/login']) {
        const res = await t.request('POST', path, { rawBody: deep, headers: JSON_TYPE });
        expect([res.status, res.body.error]).toEqual([
          400,
          'body is nested too deeply (at most 32 levels)',
        ]);
      }
    });

    it('refuses unknown fields named after Object.prototype members', async () => {
      const count = () => t.app.get(DataSource).query('SELECT count(*)::int AS n FROM sessions');
      const before = await count();
      for (const key of ['constructor', 'hasOwnProperty', 'toString']) {
        const res = await api('POST', '/api/sessions', { [key]: 'x' });
        expect([res.status, res.body.error]).toEqual([400, `property ${key} should not exist`]);
      }
      expect(await count()).toEqual(before);
    });

    it('refuses a JSON null body where an object is expected', async () => {
      for (const [method, path] of [
        ['POST', '/api/sessions'],
        ['POST', '/api/pick'],
      ]) {
        const res = await t.request(method, path, { token, rawBody: 'null', headers: JSON_TYPE });
        expect([res.status, res.body.error]).toEqual([
          400,
          'The request body must be a JSON object',
        ]);
      }
    });

    it.each(['0x10', '+1', '%201', '1e0', '1.0', '0b1'])(
      'reads path ids as digits only: DELETE /api/webhooks/%s is a 400',
      async (id) => {
        const res = await api('DELETE', `/api/webhooks/${id}`);
        expect([res.status, res.body.error]).toEqual([400, 'id must be a positive integer']);
      },
    );

    it('chat import refuses a message that is an array', async () => {
      const [{ id }] = await t.app.get(DataSource).query('SELECT id FROM sessions LIMIT 1');
      const res = await api('POST', `/api/sessions/${id}/chat-import`, [[]]);
      expect([res.status, res.body.error]).toEqual([
        400,
        expect.stringMatching(/must be an object/),
      ]);
    });

    it('a live vote on a day that does not exist is a 400, not the next month', async () => {
      const res = await api('POST', '/api/votes/live', {
        username: 'calendar',
        vote: 'up',
        timestamp: '2025-02-29T10:00:00Z',
      });
      expect([res.status, res.body.error]).toEqual([
        400,
        expect.stringMatching(/^timestamp is not a valid date/),
      ]);
    });

    it("a URL that does not decode answers in the API's error shape", async () => {
      const res = await t.request('GET', '/api/games/%');
      expect(res.status).toBe(400);
      expect(Object.keys(res.body)).toEqual(['error']);
      expect(res.headers.get('x-request-id')).toBeTruthy();
    });
  });
});
