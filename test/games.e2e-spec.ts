import { DataSource } from 'typeorm';
import { migrateDatabase } from '../src/database/migrate';
import { startTestApp, type TestApp } from './support/app';
import { sessionWithHistory } from './support/factories';

describe('game catalog', () => {
  let t: TestApp;
  let token: string;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.login();
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const games = (query = '') => t.request('GET', `/api/games${query}`);
  const byTitle = async (title: string) =>
    (await games()).body.find((g: { title: string }) => g.title === title);

  describe('the shipped catalog', () => {
    it('is loaded on first start, ordered by pack then title', async () => {
      const res = await games();
      expect(res.status).toBe(200);
      expect(res.body.length).toBeGreaterThanOrEqual(60);
      const keys = res.body.map((g: { pack_name: string; title: string }) => [
        g.pack_name,
        g.title,
      ]);
      const sorted = [...keys].sort((a, b) =>
        a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1,
      );
      expect(keys).toEqual(sorted);
      expect(new Set(res.body.map((g: { ticker: string }) => g.ticker)).size).toBe(res.body.length);
    });

    it.each([
      ['Fibbage 4', 'The Jackbox Party Pack 9', 2, 8, 'Trivia'],
      ['Quiplash 3', 'The Jackbox Party Pack 7', 3, 8, 'Writing'],
      ['Drawful 2', 'Standalone Games', 3, 8, 'Drawing'],
      ['Trivia Murder Party', 'The Jackbox Party Pack 3', 1, 8, 'Trivia'],
      ['Tee K.O.', 'The Jackbox Party Pack 3', 3, 8, 'Drawing'],
      ['Quiplash XL', 'The Jackbox Party Pack 2', 3, 8, 'Writing'],
    ])('knows %s (%s, %i-%i players, %s)', async (title, pack, min, max, type) => {
      expect(await byTitle(title)).toMatchObject({
        pack_name: pack,
        min_players: min,
        max_players: max,
        game_type: type,
        enabled: true,
      });
    });

    it('a restart (migrations again) neither duplicates games nor undoes edits', async () => {
      const fibbage = await byTitle('Fibbage 4');
      await t.request('PATCH', `/api/games/${fibbage.id}/favor`, {
        token,
        body: { favor_bias: 1 },
      });
      await t.request('PATCH', `/api/games/${fibbage.id}/toggle`, { token });
      const before = (await games()).body.length;
      expect(await migrateDatabase(t.config.databaseUrl)).toEqual([]);
      expect((await games()).body.length).toBe(before);
      expect(await byTitle('Fibbage 4')).toMatchObject({ favor_bias: 1, enabled: false });
      await t.request('PATCH', `/api/games/${fibbage.id}/toggle`, { token });
      await t.request('PATCH', `/api/games/${fibbage.id}/favor`, {
        token,
        body: { favor_bias: 0 },
      });
    });
  });

  describe('GET /api/games filters', () => {
    it('filters by playerCount, drawing, length, familyFriendly, pack and enabled', async () => {
      const all = (await games()).body as any[];
      const check = async (query: string, predicate: (g: any) => boolean) => {
        const res = await games(query);
        expect(res.status).toBe(200);
        expect(res.body.map((g: any) => g.id)).toEqual(all.filter(predicate).map((g) => g.id));
      };
      await check('?playerCount=10', (g) => g.min_players <= 10 && g.max_players >= 10);
      await check('?drawing=only', (g) => g.game_type === 'Drawing');
      await check('?drawing=exclude', (g) => g.game_type !== 'Drawing');
      await check('?length=short', (g) => g.length_minutes === null || g.length_minutes <= 15);
      await check('?length=medium', (g) => g.length_minutes >= 16 && g.length_minutes <= 25);
      await check('?length=long', (g) => g.length_minutes > 25);
      await check('?familyFriendly=false', (g) => !g.family_friendly);
      await check(
        '?pack=The%20Jackbox%20Party%20Pack%207',
        (g) => g.pack_name === 'The Jackbox Party Pack 7',
      );
      await check(
        '?enabled=true&playerCount=3&drawing=exclude',
        (g) => g.enabled && g.min_players <= 3 && g.max_players >= 3 && g.game_type !== 'Drawing',
      );
    });

    it.each([
      '?playerCount=abc',
      '?playerCount=0',
      '?enabled=yes',
      '?drawing=maybe',
      '?length=12',
      '?unknown=1',
    ])('refuses %s with 400', async (query) => {
      const res = await games(query);
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual(expect.any(String));
    });
  });

  describe('one game', () => {
    it('GET /api/games/:id answers the game, 400 for a bad id, 404 for a missing one', async () => {
      const fibbage = await byTitle('Fibbage 4');
      expect((await t.request('GET', `/api/games/${fibbage.id}`)).body).toEqual(fibbage);
      for (const bad of ['abc', '1.5', '-3', '0', '99999999999']) {
        const res = await t.request('GET', `/api/games/${bad}`);
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ error: 'id must be a positive integer' });
      }
      expect(await t.request('GET', '/api/games/999999')).toMatchObject({
        status: 404,
        body: { error: 'Game 999999 not found' },
      });
    });

    it('creates, updates and deletes a game; its new pack appears', async () => {
      const created = await t.request('POST', '/api/games', {
        token,
        body: {
          pack_name: 'House Games',
          title: 'Chat Bingo',
          min_players: 2,
          max_players: 12,
          game_type: 'Party',
          ticker: 'bingo',
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        pack_name: 'House Games',
        title: 'Chat Bingo',
        ticker: 'BINGO',
        enabled: true,
        favor_bias: 0,
        play_count: 0,
        upvotes: 0,
        downvotes: 0,
        popularity_score: 0,
        length_minutes: null,
        has_audience: false,
      });
      const id = created.body.id;
      expect((await t.request('GET', '/api/games/packs')).body).toContainEqual({
        name: 'House Games',
        favor_bias: 0,
        enabled: true,
        game_count: 1,
      });

      const updated = await t.request('PUT', `/api/games/${id}`, {
        token,
        body: { max_players: 16, length_minutes: 30 },
      });
      expect(updated).toMatchObject({
        status: 200,
        body: { id, max_players: 16, length_minutes: 30, title: 'Chat Bingo' },
      });

      expect((await t.request('DELETE', `/api/games/${id}`, { token })).body).toEqual({
        message: 'Game deleted',
        id,
      });
      expect((await t.request('GET', `/api/games/${id}`)).status).toBe(404);
    });

    it('validates a new game fully and stores nothing on error', async () => {
      const count = async () => (await games()).body.length;
      const before = await count();
      const cases: [object, RegExp][] = [
        [{ title: 'x', min_players: 1, max_players: 2 }, /pack_name/],
        [{ pack_name: 'P', title: '', min_players: 1, max_players: 2 }, /title must be longer/],
        [
          { pack_name: 'P', title: 'T', min_players: '1', max_players: 2 },
          /min_players must be an integer/,
        ],
        [
          { pack_name: 'P', title: 'T', min_players: 5, max_players: 2 },
          /min_players must not exceed max_players/,
        ],
        [
          { pack_name: 'P', title: 'T', min_players: 1, max_players: 2, favor_bias: 2 },
          /favor_bias must be one of/,
        ],
        [
          { pack_name: 'P', title: 'T', min_players: 1, max_players: 2, ticker: 'TOO-LONG!' },
          /ticker must be 2 to 6/,
        ],
        [
          { pack_name: 'P', title: 'T', min_players: 1, max_players: 2, enabled: 'yes' },
          /enabled must be a boolean/,
        ],
        [
          { pack_name: 'P', title: 'T', min_players: 1, max_players: 2, popularity_score: 99 },
          /popularity_score should not exist/,
        ],
      ];
      for (const [body, message] of cases) {
        const res = await t.request('POST', '/api/games', { token, body });
        expect(res.status).toBe(400);
        expect(res.body.error).toMatch(message);
      }
      expect(await count()).toBe(before);
    });

    it('answers 409 for a duplicate title in a pack or a taken ticker', async () => {
      const dupe = await t.request('POST', '/api/games', {
        token,
        body: {
          pack_name: 'The Jackbox Party Pack 9',
          title: 'Fibbage 4',
          min_players: 2,
          max_players: 8,
        },
      });
      expect(dupe.status).toBe(409);
      expect(dupe.body.error).toBe(
        'A game titled "Fibbage 4" already exists in "The Jackbox Party Pack 9"',
      );
      const ticker = await t.request('POST', '/api/games', {
        token,
        body: { pack_name: 'P', title: 'New', min_players: 2, max_players: 8, ticker: 'FIB4' },
      });
      expect(ticker).toMatchObject({
        status: 409,
        body: { error: 'Ticker FIB4 is already used by another game' },
      });
      const fibbage = await byTitle('Fibbage 4');
      const retitle = await t.request('PUT', `/api/games/${fibbage.id}`, {
        token,
        body: { ticker: 'QPL3' },
      });
      expect(retitle.status).toBe(409);
    });

    it('refuses to delete a game with session history (409) and keeps it', async () => {
      const quiplash = await byTitle('Quiplash 3');
      await sessionWithHistory(t, [quiplash.id]);
      const res = await t.request('DELETE', `/api/games/${quiplash.id}`, { token });
      expect(res.status).toBe(409);
      expect(res.body.error).toMatch(/disable it instead/);
      expect((await t.request('GET', `/api/games/${quiplash.id}`)).status).toBe(200);
    });

    it('toggles and sets favor', async () => {
      const game = await byTitle('Job Job');
      expect(
        (await t.request('PATCH', `/api/games/${game.id}/toggle`, { token })).body.enabled,
      ).toBe(false);
      expect(
        (await t.request('PATCH', `/api/games/${game.id}/toggle`, { token })).body.enabled,
      ).toBe(true);
      expect(
        (
          await t.request('PATCH', `/api/games/${game.id}/favor`, {
            token,
            body: { favor_bias: -1 },
          })
        ).body.favor_bias,
      ).toBe(-1);
      expect(
        (
          await t.request('PATCH', `/api/games/${game.id}/favor`, {
            token,
            body: { favor_bias: 5 },
          })
        ).status,
      ).toBe(400);
      expect(
        (await t.request('PATCH', '/api/games/999999/favor', { token, body: { favor_bias: 1 } }))
          .status,
      ).toBe(404);
      expect((await t.request('PATCH', '/api/games/999999/toggle', { token })).status).toBe(404);
    });
  });

  describe('packs', () => {
    const pack = 'The Jackbox Party Pack 5';
    const path = encodeURIComponent(pack);

    it('toggles every game of a pack and reports it in the pack lists', async () => {
      const off = await t.request('PATCH', `/api/games/packs/${path}/toggle`, {
        token,
        body: { enabled: false },
      });
      expect(off.body).toEqual({
        message: 'Pack disabled',
        pack,
        enabled: false,
        games_updated: 5,
      });
      expect((await games(`?pack=${path}&enabled=true`)).body).toEqual([]);
      const meta = (await t.request('GET', '/api/games/meta/packs')).body.find(
        (p: any) => p.name === pack,
      );
      expect(meta).toEqual({
        name: pack,
        total_count: 5,
        enabled_count: 0,
        total_plays: 0,
        favor_bias: 0,
      });
      expect(
        (await t.request('GET', '/api/games/packs')).body.find((p: any) => p.name === pack).enabled,
      ).toBe(false);
      const on = await t.request('PATCH', `/api/games/packs/${path}/toggle`, {
        token,
        body: { enabled: true },
      });
      expect(on.body.games_updated).toBe(5);
    });

    it('sets pack favor; unknown packs are 404, bad bodies 400', async () => {
      const res = await t.request('PATCH', `/api/games/packs/${path}/favor`, {
        token,
        body: { favor_bias: 1 },
      });
      expect(res.body).toMatchObject({ name: pack, favor_bias: 1 });
      expect(
        (
          await t.request('PATCH', '/api/games/packs/Nope/favor', {
            token,
            body: { favor_bias: 1 },
          })
        ).status,
      ).toBe(404);
      expect(
        (
          await t.request('PATCH', '/api/games/packs/Nope/toggle', {
            token,
            body: { enabled: true },
          })
        ).status,
      ).toBe(404);
      expect(
        (
          await t.request('PATCH', `/api/games/packs/${path}/toggle`, {
            token,
            body: { enabled: 'no' },
          })
        ).status,
      ).toBe(400);
      await t.request('PATCH', `/api/games/packs/${path}/favor`, {
        token,
        body: { favor_bias: 0 },
      });
    });
  });

  describe('CSV', () => {
    const csvRequest = (csv: string, mode = 'merge') =>
      t.request('POST', `/api/games/import/csv?mode=${mode}`, {
        token,
        rawBody: csv,
        headers: { 'content-type': 'text/csv' },
      });
    const snapshot = () => db.query('SELECT * FROM games ORDER BY id');

    it('round-trips: export then import changes nothing', async () => {
      const exported = await t.request('GET', '/api/games/export/csv', { token });
      expect(exported.status).toBe(200);
      expect(exported.headers.get('content-type')).toMatch(/text\/csv/);
      expect(exported.text.split('\n')[0]).toBe(
        'pack_name,title,min_players,max_players,length_minutes,has_audience,family_friendly,game_type,secondary_type,enabled,favor_bias,ticker,app_tag',
      );
      expect(exported.text).toContain(
        "The Jackbox Party Pack 7,Champ'd Up,3,8,20,true,true,Drawing,",
      );
      const before = await snapshot();
      const res = await csvRequest(exported.text);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        mode: 'merge',
        created: 0,
        updated: 0,
        unchanged: before.length,
        deleted: 0,
        disabled: 0,
      });
      expect(await snapshot()).toEqual(before);
    });

    it('merges: adds new games, updates listed columns of existing ones', async () => {
      const csv =
        'pack_name,title,min_players,max_players,favor_bias,ticker\n' +
        'The Jackbox Party Pack 9,Fibbage 4,2,8,1,FIB4\n' +
        '"House Games, Vol. 2","Quote ""Unquote""",3,6,0,QUOTE\n';
      const res = await csvRequest(csv);
      expect(res.body).toMatchObject({ created: 1, updated: 1, unchanged: 0 });
      expect(await byTitle('Fibbage 4')).toMatchObject({ favor_bias: 1, length_minutes: 20 });
      expect(await byTitle('Quote "Unquote"')).toMatchObject({
        pack_name: 'House Games, Vol. 2',
        ticker: 'QUOTE',
      });
    });

    it('also accepts JSON {csv, mode}', async () => {
      // Fibbage 4 starts at favor 1 here, so the file's 0 is one update.
      await t.request('PATCH', `/api/games/${(await byTitle('Fibbage 4')).id}/favor`, {
        token,
        body: { favor_bias: 1 },
      });
      const res = await t.request('POST', '/api/games/import/csv', {
        token,
        body: {
          csv: 'pack_name,title,min_players,max_players,favor_bias\nThe Jackbox Party Pack 9,Fibbage 4,2,8,0\n',
        },
      });
      expect(res.status).toBe(201);
      expect(res.body.updated).toBe(1);
      expect(
        (await t.request('POST', '/api/games/import/csv', { token, body: { mode: 'merge' } }))
          .status,
      ).toBe(400);
    });

    it('refuses a broken file with 400 naming the lines, and changes nothing', async () => {
      const before = await snapshot();
      const csv =
        'pack_name,title,min_players,max_players,has_audience,ticker\n' +
        'Good Pack,Fine Game,2,8,true,FINE\n' +
        'Good Pack,Bad Range,9,3,false,\n' +
        'Good Pack,Bad Bool,2,8,maybe,\n' +
        'Good Pack,Fine Game,2,8,true,\n' +
        ',No Pack,x,8,true,FINE\n';
      const res = await csvRequest(csv);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^CSV refused, nothing was changed: /);
      expect(res.body.error).toContain('line 3: min_players must not exceed max_players');
      expect(res.body.error).toContain('line 4: has_audience must be true or false (got "maybe")');
      expect(res.body.error).toContain('line 5: "Fine Game" in "Good Pack" repeats line 2');
      expect(res.body.error).toContain('line 6: pack_name is required');
      expect(res.body.error).toContain('line 6: min_players must be a whole number');
      expect(res.body.error).toContain('line 6: ticker FINE repeats line 2');
      expect(await snapshot()).toEqual(before);
    });

    it.each([
      ['title,min_players\nX,2\n', /missing required columns pack_name, max_players/],
      ['pack_name,title,min_players,max_players,colour\nP,T,1,2,red\n', /unknown columns colour/],
      ['pack_name,title,min_players,max_players\nP,T,1\n', /not valid CSV/],
      ['', /empty/],
      [
        'pack_name,title,min_players,max_players,ticker\nP,New Thing,1,2,QPL3\n',
        /line 2: ticker QPL3 is used by "Quiplash 3"/,
      ],
    ])('refuses %j', async (csv, message) => {
      const before = await snapshot();
      const res = await csvRequest(csv);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
      expect(await snapshot()).toEqual(before);
    });

    it('replace removes unlisted games, disabling those with history; tickers may swap', async () => {
      const exported = (await t.request('GET', '/api/games/export/csv', { token })).text;
      const lines = exported.trim().split('\n');
      const keep = lines
        .filter((l) => /Fibbage 4|Quiplash 3,/.test(l))
        .map((l) =>
          l.replace(',FIB4', ',SWAP').replace(',QPL3', ',FIB4').replace(',SWAP', ',QPL3'),
        );
      // Quiplash 3 has session history and is listed; Job Job has history and is not listed.
      await sessionWithHistory(t, [
        (await byTitle('Quiplash 3')).id,
        (await byTitle('Job Job')).id,
      ]);
      const res = await csvRequest([lines[0], ...keep].join('\n') + '\n', 'replace');
      expect(res.status).toBe(201);
      const gamesInFile = lines.length - 1;
      expect(res.body).toEqual({
        mode: 'replace',
        created: 0,
        updated: 2,
        unchanged: 0,
        deleted: gamesInFile - 3,
        disabled: 1,
      });
      const remaining = (await games()).body;
      expect(remaining.map((g: any) => [g.title, g.ticker, g.enabled])).toEqual([
        ['Quiplash 3', 'FIB4', true],
        ['Job Job', 'JOBJOB', false],
        ['Fibbage 4', 'QPL3', true],
      ]);
    });
  });

  describe('auth on every write', () => {
    it.each([
      ['POST', '/api/games'],
      ['PUT', '/api/games/1'],
      ['DELETE', '/api/games/1'],
      ['PATCH', '/api/games/1/toggle'],
      ['PATCH', '/api/games/1/favor'],
      ['PATCH', '/api/games/packs/X/toggle'],
      ['PATCH', '/api/games/packs/X/favor'],
      ['GET', '/api/games/export/csv'],
      ['POST', '/api/games/import/csv'],
    ])('%s %s needs a token', async (method, path) => {
      const body = method === 'GET' ? undefined : {};
      const res = await t.request(method, path, { body });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'Access token required' });
      expect((await t.request(method, path, { body, token: 'forged.token.value' })).status).toBe(
        401,
      );
    });
  });
});

describe('GET /api/stats', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers totals, top rated, most played and per-pack plays', async () => {
    const db = t.app.get(DataSource);
    const [fib] = await db.query(
      `UPDATE games SET play_count = 3 WHERE title = 'Fibbage 4' RETURNING id`,
    );
    const [quiplash] = await db.query(
      `UPDATE games SET play_count = 7 WHERE title = 'Quiplash 3' RETURNING id`,
    );
    // Counters split over two rows, as votes leave them: the totals are their sums.
    await db.query(
      `INSERT INTO vote_counts (game_id, shard, upvotes, downvotes)
       VALUES ($1, 0, 6, 1), ($1, 5, 4, 1), ($2, 3, 1, 5)`,
      [fib[0].id, quiplash[0].id],
    );
    await sessionWithHistory(t, [fib[0].id]);
    const res = await t.request('GET', '/api/stats');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      totalSessions: 1,
      gamesPlayed: 1,
      totalVotes: 18,
      totalPacks: 13,
    });
    expect(res.body.totalGames).toBeGreaterThanOrEqual(60);
    expect(res.body.topRatedGames.map((g: any) => [g.title, g.popularity_score])).toEqual([
      ['Fibbage 4', 8],
      ['Quiplash 3', -4],
    ]);
    expect(res.body.mostPlayedGames.map((g: any) => g.title)).toEqual(['Quiplash 3', 'Fibbage 4']);
    expect(res.body.packStats[0]).toEqual({
      pack_name: 'The Jackbox Party Pack 7',
      game_count: 5,
      play_count: 7,
    });
  });
});
