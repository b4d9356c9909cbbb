import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DataSource } from 'typeorm';
import { EVENT_REGISTRY, EVENT_TYPES, type EventType } from '../src/events/event-types';
import { startTestApp, testConfig, type TestApp } from './support/app';
import { waitUntil } from './support/factories';
import { FakeEcast, lobbyBlob, postGameBlob } from './support/fake-ecast';

// TypeBox checks formats only once told what they mean.
FormatRegistry.Set(
  'date-time',
  (value) => /^\d{4}-\d{2}-\d{2}T/.test(value) && !isNaN(Date.parse(value)),
);

/** Where a payload departs from the registry's schema for its type (none: it matches). */
const problems = (type: EventType, payload: unknown) =>
  [...Value.Errors(EVENT_REGISTRY[type].payload, payload)].map((e) => `${e.path} ${e.message}`);

describe('stored event payloads match their declared types', () => {
  let t: TestApp;
  let token: string;
  let fake: FakeEcast;

  beforeAll(async () => {
    fake = await FakeEcast.start();
    t = await startTestApp({
      rooms: { ...testConfig('').rooms, enabled: true, ecastBaseUrl: fake.baseUrl },
    });
    token = await t.login();
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('for every event type, including the vote payload built in SQL', async () => {
    const api = (method: string, path: string, body?: unknown) =>
      t.request(method, path, { token, body });
    const types = async () =>
      new Set(
        (
          await t.app
            .get(DataSource)
            .query<{ type: string }[]>('SELECT DISTINCT type FROM events WHERE session_id = $1', [
              session.id,
            ])
        ).map((e) => e.type),
      );
    const [game] = await t.app
      .get(DataSource)
      .query<{ id: number }[]>(`SELECT id FROM games WHERE ticker = 'FIB4'`);
    const session = (await api('POST', '/api/sessions', { notes: 'payloads' })).body;
    const selection = { game_id: game.id, source: 'dice' };
    await api('POST', `/api/sessions/${session.id}/game-selection`, selection);
    await api('DELETE', `/api/sessions/${session.id}/game-selection`);
    const added = (await api('POST', `/api/sessions/${session.id}/games`, { game_id: game.id }))
      .body;
    const vote = await api('POST', '/api/votes/live', {
      username: 'payload-check',
      vote: 'up',
      timestamp: new Date().toISOString(),
    });
    expect(vote.status).toBe(200);
    await api('PATCH', `/api/sessions/${session.id}/games/${added.id}/player-count`, {
      player_count: 4,
    });
    // The room events: a watched room from its lobby to the end of its game.
    const room = fake.addRoom('ABCD');
    room.seat('ALICE');
    await api('PATCH', `/api/sessions/${session.id}/games/${added.id}/room-code`, {
      room_code: 'ABCD',
    });
    await waitUntil(() => room.mainConnections().length === 1);
    await waitUntil(async () => (await types()).has('room.connected'));
    room.addPlayer('BOB');
    room.setBlob(lobbyBlob('CanStart'));
    room.lock();
    room.setBlob({ state: 'Logo' });
    room.setBlob(postGameBlob);
    await waitUntil(async () => (await types()).has('room.disconnected'));
    // A poll: its start, a leader, a countdown cancelled, its end; and a relayed leader.
    expect((await api('POST', `/api/sessions/${session.id}/voting/start`)).status).toBe(201);
    const pollVote = await api('POST', `/api/sessions/${session.id}/poll/votes`, {
      username: 'payload-check',
      option: 1,
      timestamp: new Date().toISOString(),
    });
    expect(pollVote.status).toBe(200);
    await waitUntil(async () => (await types()).has('poll.leading'));
    await api('POST', `/api/sessions/${session.id}/voting/end`, { delay: 60 });
    await api('POST', `/api/sessions/${session.id}/voting/cancel-end`);
    expect((await api('POST', `/api/sessions/${session.id}/voting/end`)).status).toBe(200);
    await api('POST', `/api/sessions/${session.id}/close`, {});

    const stored = await t.app
      .get(DataSource)
      .query<{ type: EventType; payload: unknown }[]>(
        'SELECT type, payload FROM events WHERE session_id = $1 ORDER BY id',
        [session.id],
      );
    expect(new Set(stored.map((e) => e.type))).toEqual(new Set(EVENT_TYPES));
    for (const event of stored) {
      expect([event.type, problems(event.type, event.payload)]).toEqual([event.type, []]);
    }
  });

  it('would catch a vote payload that drifts from its type', () => {
    const payload = {
      sessionId: 1,
      game: { id: 2, title: 'Fibbage 4', pack_name: 'The Jackbox Party Pack 9' },
      vote: { username: 'u', type: 'up', timestamp: '2025-11-01T20:30:00Z' },
      totals: { upvotes: 1, downvotes: 0, popularity_score: 1 },
    };
    expect(problems('vote.received', payload)).toEqual([]);
    const { totals: _dropped, ...withoutTotals } = payload;
    expect(problems('vote.received', withoutTotals)).not.toEqual([]);
    expect(problems('vote.received', { ...payload, extra: true })).not.toEqual([]);
    expect(
      problems('vote.received', { ...payload, totals: { ...payload.totals, upvotes: '1' } }),
    ).not.toEqual([]);
  });
});
