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
});
