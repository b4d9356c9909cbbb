import { DataSource } from 'typeorm';
import { PickerService } from '../src/picker/picker.service';
import { RandomSource } from '../src/picker/random-source';
import { startTestApp, type TestApp } from './support/app';
import { sessionWithHistory, useCatalog } from './support/factories';

describe('POST /api/pick', () => {
  let t: TestApp;
  const pick = (body: object) => t.request('POST', '/api/pick', { body });

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('filters', () => {
    let ids: Map<string, number>;
    beforeAll(async () => {
      ids = await useCatalog(t, [
        { title: 'Duo', min_players: 1, max_players: 2, length_minutes: 10 },
        { title: 'Crowd', min_players: 3, max_players: 8, length_minutes: 16 },
        { title: 'Big', min_players: 8, max_players: 10, length_minutes: 25 },
        {
          title: 'Epic',
          min_players: 3,
          max_players: 8,
          length_minutes: 26,
          family_friendly: false,
        },
        { title: 'Mystery', min_players: 3, max_players: 8, length_minutes: null },
        {
          title: 'Doodle',
          min_players: 3,
          max_players: 8,
          length_minutes: 15,
          game_type: 'Drawing',
        },
        { title: 'Untyped', min_players: 3, max_players: 8, game_type: null },
        { title: 'Off', min_players: 1, max_players: 100, enabled: false },
        { title: 'Other Pack', pack_name: 'Second Pack', min_players: 3, max_players: 8 },
      ]);
    });

    /** Every game the filters allow, by picking with many seeds (the pool is small). */
    async function eligible(body: object): Promise<string[]> {
      const random = t.app.get(RandomSource);
      const seen = new Set<string>();
      let poolSize = 0;
      for (let seed = 1; seed <= 60; seed++) {
        random.seed(seed);
        const res = await pick(body);
        expect(res.status).toBe(200);
        seen.add(res.body.game.title);
        poolSize = res.body.poolSize;
      }
      expect(seen.size).toBe(poolSize);
      return [...seen].sort();
    }

    it('never picks a disabled game', async () => {
      expect(await eligible({})).not.toContain('Off');
    });

    it('playerCount includes both ends of a range', async () => {
      expect(await eligible({ playerCount: 2 })).toEqual(['Duo']);
      expect(await eligible({ playerCount: 8 })).toEqual([
        'Big',
        'Crowd',
        'Doodle',
        'Epic',
        'Mystery',
        'Other Pack',
        'Untyped',
      ]);
      expect(await eligible({ playerCount: 10 })).toEqual(['Big']);
    });

    it('length: short is <= 15 or unknown, medium 16-25, long > 25', async () => {
      expect(await eligible({ length: 'short' })).toEqual([
        'Doodle',
        'Duo',
        'Mystery',
        'Other Pack',
        'Untyped',
      ]);
      expect(await eligible({ length: 'medium' })).toEqual(['Big', 'Crowd']);
      expect(await eligible({ length: 'long' })).toEqual(['Epic']);
    });

    it('drawing only / exclude (a game without a type is not a drawing game)', async () => {
      expect(await eligible({ drawing: 'only' })).toEqual(['Doodle']);
      expect(await eligible({ drawing: 'exclude' })).not.toContain('Doodle');
      expect(await eligible({ drawing: 'exclude' })).toContain('Untyped');
    });

    it('familyFriendly, pack and packs', async () => {
      expect(await eligible({ familyFriendly: false })).toEqual(['Epic']);
      expect(await eligible({ pack: 'Second Pack' })).toEqual(['Other Pack']);
      expect(await eligible({ packs: ['Second Pack', 'Test Pack'], playerCount: 1 })).toEqual([
        'Duo',
      ]);
    });

    it('combines filters', async () => {
      expect(
        await eligible({
          playerCount: 3,
          length: 'short',
          drawing: 'exclude',
          familyFriendly: true,
        }),
      ).toEqual(['Mystery', 'Other Pack', 'Untyped']);
    });

    it('avoids the last two games of the session', async () => {
      const session = await sessionWithHistory(t, [
        ids.get('Duo')!,
        ids.get('Crowd')!,
        ids.get('Big')!,
      ]);
      const titles = await eligible({ sessionId: session, playerCount: 8 });
      expect(titles).not.toContain('Crowd');
      expect(titles).not.toContain('Big');
      expect(await eligible({ sessionId: session, playerCount: 2 })).toEqual(['Duo']); // played, but not recently
    });

    it('with excludePlayed avoids every game of the session', async () => {
      const session = await sessionWithHistory(t, [
        ids.get('Duo')!,
        ids.get('Crowd')!,
        ids.get('Big')!,
      ]);
      const res = await pick({ sessionId: session, excludePlayed: true, playerCount: 2 });
      expect(res.status).toBe(404);
      expect(res.body.error).toBe(
        `No games to pick from: every matching game was already played in session ${session}`,
      );
    });

    it('answers 404 naming the filter that emptied the pool', async () => {
      const res = await pick({ playerCount: 1, length: 'long' });
      expect(res.status).toBe(404);
      expect(res.body.error).toMatch(/length = "long"/);
      const none = await pick({ playerCount: 99 });
      expect(none.body.error).toBe(
        'No games to pick from: no enabled game matches playerCount = 99',
      );
      expect((await pick({ pack: 'Nope' })).body.error).toMatch(/pack = "Nope"/);
    });

    it('answers 404 for a session that does not exist', async () => {
      const res = await pick({ sessionId: 999999 });
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('Session 999999 not found');
    });

    it.each([
      [{ playerCount: '4' }, /^playerCount must be an integer/],
      [{ playerCount: 0 }, /^playerCount must not be less than 1/],
      [{ drawing: 'sometimes' }, /^drawing must be one of/],
      [{ length: 'forever' }, /^length must be one of/],
      [{ familyFriendly: 'yes' }, /^familyFriendly must be a boolean/],
      [{ sessionId: 'abc' }, /^sessionId must be an integer/],
      [{ excludePlayed: 1 }, /^excludePlayed must be a boolean/],
      [{ packs: 'Second Pack' }, /^packs must be an array/],
      [{ surprise: true }, /surprise should not exist/],
    ])('refuses %j with 400', async (body, message) => {
      const res = await pick(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
    });

    it('accepts an empty body', async () => {
      const res = await t.request('POST', '/api/pick');
      expect(res.status).toBe(200);
      expect(res.body.poolSize).toBe(8);
    });
  });

  describe('weights', () => {
    /**
     * Picks `n` times with the random number at the middle of each of `n` equal steps of [0, 1)
     * and counts the picks per game. The choice walks the cumulative weights up to that number,
     * so each game gets exactly its share of `n` whenever the shares are whole numbers: an exact
     * check, with no sampling error and no need for thousands of picks.
     */
    async function picksOverSteps(n: number): Promise<Map<number, number>> {
      let step = 0;
      const random = jest
        .spyOn(t.app.get(RandomSource), 'next')
        .mockImplementation(() => (step++ + 0.5) / n);
      try {
        const counts = new Map<number, number>();
        for (let i = 0; i < n; i++) {
          const { game } = await t.app.get(PickerService).pick({});
          counts.set(game.id, (counts.get(game.id) ?? 0) + 1);
        }
        return counts;
      } finally {
        random.mockRestore();
      }
    }

    it('follow game favor (x3, x1, x0.2) times pack favor', async () => {
      const ids = await useCatalog(
        t,
        [
          { title: 'Favored', pack_name: 'Neutral', favor_bias: 1 },
          { title: 'Plain', pack_name: 'Neutral', favor_bias: 0 },
          { title: 'Disfavored', pack_name: 'Neutral', favor_bias: -1 },
          { title: 'In favored pack', pack_name: 'Loved', favor_bias: 0 },
          { title: 'Favored in disfavored pack', pack_name: 'Meh', favor_bias: 1 },
        ],
        { Loved: 1, Meh: -1 },
      );
      // Weights: 3*1, 1*1, 0.2*1, 1*3, 3*0.2 = 3, 1, 0.2, 3, 0.6 of 7.8: over 78 steps, 10 each.
      const counts = await picksOverSteps(78);
      const byTitle = Object.fromEntries(
        [...ids].map(([title, id]) => [title, counts.get(id) ?? 0]),
      );
      expect(byTitle).toEqual({
        Favored: 30,
        Plain: 10,
        Disfavored: 2,
        'In favored pack': 30,
        'Favored in disfavored pack': 6,
      });
    });

    it('ignores popularity', async () => {
      const ids = await useCatalog(t, [{ title: 'Loved by chat' }, { title: 'Hated by chat' }]);
      const db = t.app.get(DataSource);
      await db.query(
        'INSERT INTO vote_counts (game_id, shard, upvotes, downvotes) VALUES ($1, 0, 1000, 0), ($2, 0, 0, 1000)',
        [ids.get('Loved by chat'), ids.get('Hated by chat')],
      );
      const counts = await picksOverSteps(20);
      expect(counts.get(ids.get('Loved by chat')!)).toBe(10);
      expect(counts.get(ids.get('Hated by chat')!)).toBe(10);
    });
  });
});
