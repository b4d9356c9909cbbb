import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { EventsRepository } from '../src/events/events.repository';
import { startTestApp, type TestApp } from './support/app';
import { addGame, createSession, waitUntil } from './support/factories';
import { authedSocket, ofType, type TestSocket } from './support/ws';

/**
 * Event ids are handed out in one order and committed in another. These tests hold a
 * transaction open after it took its id, let later events commit meanwhile, and check that bots
 * neither miss the slow event nor see anything out of commit order, however often they resume.
 */
describe('events in commit order', () => {
  let t: TestApp;
  let token: string;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.login();
    db = t.app.get(DataSource);
  });
  afterAll(() => t.close());

  /** An event written in a transaction that stays open until `commit()`. */
  async function slowEvent(sessionId: number): Promise<{ id: number; commit(): Promise<void> }> {
    const client = new Client({ connectionString: t.config.databaseUrl });
    await client.connect();
    await client.query('BEGIN');
    const {
      rows: [row],
    } = await client.query<{ id: string }>(
      `INSERT INTO events (type, session_id, payload) VALUES ('session-game.updated', $1, '{"slow": true}') RETURNING id`,
      [sessionId],
    );
    return {
      id: Number(row.id),
      commit: async () => {
        await client.query('COMMIT');
        await client.end();
      },
    };
  }

  const vote = (username: string) =>
    t.request('POST', '/api/votes/live', {
      token,
      body: { username, vote: 'up', timestamp: new Date().toISOString() },
    });

  /** The session's events as the table orders them for readers: commit order. */
  const committed = async (sessionId: number, after = 0) =>
    (
      await db.query<{ id: number }[]>(
        'SELECT id::int AS id FROM events WHERE session_id = $1 AND id > $2 ORDER BY xid, id',
        [sessionId, after],
      )
    ).map((r) => r.id);

  const maxId = async () =>
    Number((await db.query<{ id: string }[]>('SELECT max(id) AS id FROM events'))[0].id);

  it('holds later events back until an earlier id commits, then sends it first', async () => {
    const session = await createSession(t, token);
    await addGame(t, token, session.id, 'Fibbage 4');
    const bot = await authedSocket(t.url, token);
    bot.send({ type: 'subscribe', sessionId: session.id });
    await bot.next(ofType('subscribed'));
    const before = await maxId();

    const slow = await slowEvent(session.id);
    for (let i = 0; i < 3; i++) expect((await vote(`held-${i}`)).status).toBe(200);
    await slow.commit();
    const all = await committed(session.id, before);
    expect(all[0]).toBe(slow.id); // the slow event's transaction began first
    await bot.next((m) => m.id === all[all.length - 1]);
    expect(bot.messages.filter((m) => m.id > before).map((m) => m.id)).toEqual(all);
    bot.socket.terminate();
  });

  it('never lets a bot that resumes constantly miss an event that committed after a higher id', async () => {
    const session = await createSession(t, token);
    await addGame(t, token, session.id, 'Quiplash 3');
    const before = await maxId();
    // The bot is there before the writers start; from then on it resumes only from ids it got.
    const first = await authedSocket(t.url, token);
    first.send({ type: 'subscribe', sessionId: session.id });
    await first.next(ofType('subscribed'));

    // Writers: votes from 6 workers, and slow transactions that take an id early and commit late,
    // until the bot has resumed a few times while they write, however slow the machine.
    let rounds = 0;
    const resumesWhileWriting = 5;
    let writing = true;
    const slowOnes: number[] = [];
    const writers = [
      ...Array.from({ length: 6 }, async (_, w) => {
        for (let i = 0; i < 25 || rounds < resumesWhileWriting; i++) {
          expect((await vote(`w${w}-${i}`)).status).toBe(200);
        }
      }),
      (async () => {
        for (let i = 0; i < 5 || rounds < resumesWhileWriting; i++) {
          const slow = await slowEvent(session.id);
          slowOnes.push(slow.id);
          await vote(`slow-cover-${i}`); // a later id that commits first
          await slow.commit();
        }
      })(),
    ];
    const done = Promise.all(writers).then(() => (writing = false));

    // The bot: reconnects after every few events, resuming from the last id it received.
    const received: number[] = [];
    let lastEventId: number | undefined;
    const connectAndRead = async (): Promise<TestSocket> => {
      if (lastEventId === undefined && first.socket.readyState === first.socket.OPEN) return first;
      const bot = await authedSocket(t.url, token);
      bot.send({ type: 'subscribe', sessionId: session.id, lastEventId });
      await bot.next(ofType('subscribed'));
      return bot;
    };
    const newIds = (messages: any[]) =>
      messages.filter((m) => typeof m.id === 'number' && m.id > before).length;
    const newReceived = () => received.filter((id) => id > before).length;
    while (writing || newReceived() < (await committed(session.id, before)).length) {
      const bot = await connectAndRead();
      const start = bot.messages.length;
      // Read until a few events came (or, once writing is over, until none is missing).
      await waitUntil(
        async () =>
          bot.messages.slice(start).filter((m) => typeof m.id === 'number').length >= 3 ||
          (!writing &&
            newReceived() + newIds(bot.messages) >= (await committed(session.id, before)).length),
        20_000,
      );
      for (const m of bot.messages) {
        if (typeof m.id === 'number' && m.id > 0 && m.type !== 'pong') {
          received.push(m.id);
          lastEventId = m.id;
        }
      }
      bot.socket.terminate();
      rounds++;
    }
    await done;
    const all = await committed(session.id, before);
    expect(rounds).toBeGreaterThanOrEqual(resumesWhileWriting);
    // Every event, once, in commit order. (An event of the session from before the writers can
    // also reach the bot, when an unrelated transaction held the watermark as it subscribed.)
    expect(new Set(received).size).toBe(received.length);
    expect(received.filter((id) => id > before)).toEqual(all);
    for (const id of slowOnes) expect(received).toContain(id);
  });
});

/**
 * Transaction ids are compared as numbers. The queries hand them out as text; ordered by that
 * text, an event of transaction 100 would come before one of transaction 99, and a page of
 * events could end past one not yet read. Such rows are written here with the ids chosen.
 */
describe('commit order where transaction ids gain a digit', () => {
  let t: TestApp;
  let events: EventsRepository;
  let sessionId: number;
  let older: number;
  let newer: number;

  beforeAll(async () => {
    t = await startTestApp();
    events = t.app.get(EventsRepository);
    sessionId = (await createSession(t, await t.login())).id;
    const rows = await t.app.get(DataSource).query<{ id: string }[]>(
      `INSERT INTO events (type, session_id, payload, xid)
       VALUES ('session-game.updated', $1, '{}', '99'), ('session-game.updated', $1, '{}', '100')
       RETURNING id`,
      [sessionId],
    );
    [older, newer] = rows.map((row) => Number(row.id));
  });
  afterAll(() => t.close());

  const start = { xid: '0', id: 0 };

  it('the relay reads and publishes 99 before 100', async () => {
    expect((await events.positionsAfter(start, 1)).map((p) => p.id)).toEqual([older]);
    expect((await events.byIds([newer, older])).map((e) => e.id)).toEqual([older, newer]);
  });

  it('a stream catching up pages 99 before 100', async () => {
    expect((await events.sessionAfter(sessionId, start, 1)).map((e) => e.id)).toEqual([older]);
    const upTo = { xid: '100', id: newer };
    expect((await events.sessionBetween(sessionId, start, upTo, 1)).map((e) => e.id)).toEqual([
      older,
    ]);
  });

  it('a bot resuming before both starts at 99', async () => {
    expect(await events.resumePosition(sessionId, 0)).toEqual({ xid: '99', id: older - 1 });
  });
});
