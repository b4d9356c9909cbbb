import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { migrateDatabase } from '../src/database/migrate';
import { migrations } from '../src/database/migrations';
import { GamesRepository } from '../src/games/games.repository';
import { startTestApp, type TestApp } from './support/app';
import { ADMIN_URL_ENV, adminQuery, TEST_DB_PREFIX, withDatabase } from './support/database';

/** The header of exports made before games had an app tag. */
const OLD_HEADER =
  'pack_name,title,min_players,max_players,length_minutes,has_audience,family_friendly,game_type,secondary_type,enabled,favor_bias,ticker';

describe('game app tags (a Jackbox room resolves to its catalog game)', () => {
  let t: TestApp;
  let token: string;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.login();
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  const games = async () => (await t.request('GET', '/api/games')).body as any[];
  const byTitle = async (title: string) => (await games()).find((g) => g.title === title);
  const snapshot = () => db.query('SELECT * FROM games ORDER BY id');
  const newGame = (fields: object) =>
    t.request('POST', '/api/games', {
      token,
      body: { pack_name: 'House Games', min_players: 2, max_players: 8, ...fields },
    });
  const importCsv = (csv: string, mode = 'merge') =>
    t.request('POST', `/api/games/import/csv?mode=${mode}`, {
      token,
      rawBody: csv,
      headers: { 'content-type': 'text/csv' },
    });
  const exportCsv = async () => (await t.request('GET', '/api/games/export/csv', { token })).text;

  describe('the shipped catalog', () => {
    it.each([
      ['Quiplash 3', 'quiplash3'],
      ['Trivia Murder Party 2', 'triviadeath2'],
      ['Trivia Murder Party', 'triviadeath'],
      ['Fibbage 3', 'fibbage3'],
      ['Tee K.O.', 'awshirt'],
      ['Civic Doodle', 'overdrawn'],
    ])('tags %s as %s', async (title, tag) => {
      expect((await byTitle(title)).app_tag).toBe(tag);
    });

    it('leaves games whose tag is not known untagged, and every game JSON carries the field', async () => {
      const all = await games();
      expect(all.every((g) => 'app_tag' in g)).toBe(true);
      expect((await byTitle('Fibbage 4')).app_tag).toBeNull();
      const tags = all.map((g) => g.app_tag).filter((tag) => tag !== null);
      expect(tags.length).toBeGreaterThanOrEqual(10);
      expect(new Set(tags).size).toBe(tags.length);
      const quiplash = await byTitle('Quiplash 3');
      expect((await t.request('GET', `/api/games/${quiplash.id}`)).body.app_tag).toBe('quiplash3');
    });

    it('GamesRepository.findByAppTag answers the catalog game of a tag, or nothing', async () => {
      const repository = t.app.get(GamesRepository);
      expect(await repository.findByAppTag('quiplash3')).toMatchObject({
        title: 'Quiplash 3',
        pack_name: 'The Jackbox Party Pack 7',
        app_tag: 'quiplash3',
      });
      expect(await repository.findByAppTag('no-such-game')).toBeUndefined();
    });
  });

  describe('create and update', () => {
    it('stores a valid tag, trimmed, changes it, and clears it with null', async () => {
      const created = await newGame({ title: 'Tagged Game', app_tag: '  house_game-1 ' });
      expect(created).toMatchObject({ status: 201, body: { app_tag: 'house_game-1' } });
      const id = created.body.id;
      expect((await t.request('GET', `/api/games/${id}`)).body.app_tag).toBe('house_game-1');

      const renamed = await t.request('PUT', `/api/games/${id}`, {
        token,
        body: { app_tag: 'house-game-2' },
      });
      expect(renamed).toMatchObject({ status: 200, body: { id, app_tag: 'house-game-2' } });
      expect(await t.app.get(GamesRepository).findByAppTag('house-game-2')).toMatchObject({ id });

      const untouched = await t.request('PUT', `/api/games/${id}`, {
        token,
        body: { max_players: 10 },
      });
      expect(untouched.body).toMatchObject({ max_players: 10, app_tag: 'house-game-2' });

      const cleared = await t.request('PUT', `/api/games/${id}`, {
        token,
        body: { app_tag: null },
      });
      expect(cleared).toMatchObject({ status: 200, body: { app_tag: null } });
      await t.request('DELETE', `/api/games/${id}`, { token });
    });

    it.each(['Quiplash3', 'QUIPLASH3', 'quip lash', 'quip.lash', 'café', '', 'x'.repeat(65), 42])(
      'refuses the tag %j with 400 on create and update, storing nothing',
      async (tag) => {
        const before = await snapshot();
        const created = await newGame({ title: 'Bad Tag', app_tag: tag });
        expect(created.status).toBe(400);
        expect(created.body.error).toMatch(
          typeof tag === 'string'
            ? /app_tag must be 1 to 64 lowercase letters, digits, hyphens or underscores/
            : /app_tag must be a string/,
        );
        const quiplash = await byTitle('Quiplash 3');
        const updated = await t.request('PUT', `/api/games/${quiplash.id}`, {
          token,
          body: { app_tag: tag },
        });
        expect(updated.status).toBe(400);
        expect(updated.body.error).toMatch(/app_tag must be/);
        expect(await snapshot()).toEqual(before);
      },
    );

    it('takes a tag of 64 characters', async () => {
      const created = await newGame({ title: 'Long Tag', app_tag: 'x'.repeat(64) });
      expect(created).toMatchObject({ status: 201, body: { app_tag: 'x'.repeat(64) } });
      await t.request('DELETE', `/api/games/${created.body.id}`, { token });
    });

    it('answers 409 for a tag another game has, on create and update', async () => {
      const before = await snapshot();
      const created = await newGame({ title: 'Quiplash Clone', app_tag: 'quiplash3' });
      expect(created).toMatchObject({
        status: 409,
        body: { error: 'App tag quiplash3 is already used by another game' },
      });
      const fibbage = await byTitle('Fibbage 4');
      const updated = await t.request('PUT', `/api/games/${fibbage.id}`, {
        token,
        body: { app_tag: 'quiplash3' },
      });
      expect(updated).toMatchObject({
        status: 409,
        body: { error: 'App tag quiplash3 is already used by another game' },
      });
      expect(await snapshot()).toEqual(before);
    });
  });

  it('documents app_tag in the OpenAPI schemas of a game and its inputs', async () => {
    const { schemas } = (await t.request('GET', '/api/docs-json')).body.components;
    for (const schema of ['Game', 'CreateGameDto', 'UpdateGameDto']) {
      expect([schema, schemas[schema].properties.app_tag]).toEqual([
        schema,
        expect.objectContaining({
          type: 'string',
          nullable: true,
          example: 'quiplash3',
          description: expect.stringMatching(/app tag/i),
        }),
      ]);
    }
    expect(schemas.CreateGameDto.properties.app_tag.pattern).toBe('^[a-z0-9_-]{1,64}$');
  });

  describe('CSV', () => {
    it('exports the tag as the last column', async () => {
      const lines = (await exportCsv()).split('\n');
      expect(lines[0]).toBe(`${OLD_HEADER},app_tag`);
      expect(lines.find((l) => l.includes(',Quiplash 3,'))).toMatch(/,QPL3,quiplash3$/);
      expect(lines.find((l) => l.includes(',Fibbage 4,'))).toMatch(/,FIB4,$/);
    });

    it('round-trips: a tag changed in the file is imported, and the export gives it back', async () => {
      const changed = (await exportCsv()).replace(/(,Fibbage 4,.*,FIB4,)\n/, '$1house-fibbage\n');
      const res = await importCsv(changed);
      expect(res).toMatchObject({ status: 201, body: { created: 0, updated: 1 } });
      expect((await byTitle('Fibbage 4')).app_tag).toBe('house-fibbage');
      expect(await exportCsv()).toBe(changed);

      const before = await snapshot();
      expect((await importCsv(changed)).body).toMatchObject({
        updated: 0,
        unchanged: before.length,
      });
      expect(await snapshot()).toEqual(before);

      const restored = changed.replace(',FIB4,house-fibbage\n', ',FIB4,\n');
      expect((await importCsv(restored)).body).toMatchObject({ updated: 1 });
      expect((await byTitle('Fibbage 4')).app_tag).toBeNull();
    });

    it('imports an older file without the column, keeping the tags', async () => {
      const exported = await exportCsv();
      const old = exported
        .split('\n')
        .map((line) => line.replace(/,[^,]*$/, ''))
        .join('\n');
      expect(old.split('\n')[0]).toBe(OLD_HEADER);
      const before = await snapshot();
      const res = await importCsv(`${old}\nHouse Games,Old File Game,2,6,,false,false,,,true,0,\n`);
      expect(res).toMatchObject({
        status: 201,
        body: { created: 1, updated: 0, unchanged: before.length },
      });
      expect((await byTitle('Quiplash 3')).app_tag).toBe('quiplash3');
      expect((await byTitle('Old File Game')).app_tag).toBeNull();
    });

    it('may swap two games’ tags in one file (checked at commit)', async () => {
      const exported = await exportCsv();
      const swapped = exported
        .replace(',QPL3,quiplash3\n', ',QPL3,SWAP\n')
        .replace(',TMP2,triviadeath2\n', ',TMP2,quiplash3\n')
        .replace(',QPL3,SWAP\n', ',QPL3,triviadeath2\n');
      expect((await importCsv(swapped)).body).toMatchObject({ updated: 2 });
      expect((await byTitle('Quiplash 3')).app_tag).toBe('triviadeath2');
      expect((await byTitle('Trivia Murder Party 2')).app_tag).toBe('quiplash3');
      expect((await importCsv(exported)).body).toMatchObject({ updated: 2 });
      expect((await byTitle('Quiplash 3')).app_tag).toBe('quiplash3');
    });

    it.each([
      [
        'a tag another game keeps',
        'pack_name,title,min_players,max_players,app_tag\nP,New Thing,1,2,quiplash3\n',
        /line 2: app_tag quiplash3 is used by "Quiplash 3"/,
      ],
      [
        'a tag given twice',
        'pack_name,title,min_players,max_players,app_tag\nP,A,1,2,same\nP,B,1,2,same\n',
        /line 3: app_tag same repeats line 2/,
      ],
      [
        'a malformed tag',
        'pack_name,title,min_players,max_players,app_tag\nP,A,1,2,Quiplash 3\n',
        /line 2: app_tag must be 1 to 64 lowercase letters, digits, hyphens or underscores \(got "Quiplash 3"\)/,
      ],
    ])('refuses %s with 400, changing nothing', async (_what, csv, message) => {
      const before = await snapshot();
      const res = await importCsv(csv);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
      expect(await snapshot()).toEqual(before);
    });
  });
});

describe('game app tags on a database that existed before them', () => {
  const name = `${TEST_DB_PREFIX}${randomBytes(6).toString('hex')}`;
  let url: string;

  beforeAll(async () => {
    await adminQuery(`CREATE DATABASE ${name}`);
    url = withDatabase(process.env[ADMIN_URL_ENV]!, name);
  });
  afterAll(() => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));

  it('tags the shipped games still under their shipped names, and no other', async () => {
    const before = migrations.findIndex((m) => m.name.startsWith('GameAppTags'));
    expect(before).toBeGreaterThan(0);
    const old = new DataSource({
      ...dataSourceOptions(url),
      migrations: migrations.slice(0, before),
    });
    await old.initialize();
    try {
      await old.runMigrations({ transaction: 'each' });
      await old.query(`UPDATE games SET title = 'Fibbage III' WHERE title = 'Fibbage 3'`);
    } finally {
      await old.destroy();
    }

    expect(await migrateDatabase(url)).toContain('GameAppTags1764400000000');
    const rows = await queryOn(url, 'SELECT title, app_tag FROM games_with_votes');
    const tagOf = (title: string) => rows.find((r) => r.title === title)?.app_tag;
    expect(tagOf('Quiplash 3')).toBe('quiplash3');
    expect(tagOf('Trivia Murder Party 2')).toBe('triviadeath2');
    expect(tagOf('Fibbage III')).toBeNull();
  });
});

async function queryOn(url: string, sql: string): Promise<{ title: string; app_tag: string }[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
