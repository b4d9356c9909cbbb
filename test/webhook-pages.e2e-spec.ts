import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from './support/app';
import { waitUntil } from './support/factories';
import { scrape } from './support/metrics';
import { startReceiver, type Receiver } from './support/receiver';

const SECRET = 'pages_secret_123';

/**
 * A webhook's deliveries are reserved as pages and written once attempted: what a page owes is
 * exactly its deliveries without a row, whoever holds it.
 */
describe('webhook pages', () => {
  let t: TestApp;
  let db: DataSource;
  let receiver: Receiver;
  let token: string;

  beforeEach(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    receiver = await startReceiver();
    token = await t.login();
  });

  afterEach(async () => {
    await receiver.close();
    await t.close();
  });

  const webhook = async (): Promise<{ id: number }> =>
    (
      await t.request('POST', '/api/webhooks', {
        token,
        body: { name: 'Pages', url: receiver.url, secret: SECRET, events: ['game.added'] },
      })
    ).body;

  /** Events of the webhook's type from before it was made: no reserve of its picks them. */
  const oldEvents = async (n: number): Promise<string[]> =>
    (
      await db.query<{ id: string }[]>(
        `INSERT INTO events (type, payload, created_at)
         SELECT 'game.added', json_build_object('n', n), now() - interval '1 hour'
         FROM generate_series(1, $1) AS n RETURNING id::text AS id`,
        [n],
      )
    ).map((r) => r.id);

  const deliveryIds = async (n: number): Promise<string[]> =>
    (
      await db.query<{ id: string }[]>(
        `SELECT nextval('webhook_deliveries_id_seq')::text AS id FROM generate_series(1, $1)`,
        [n],
      )
    ).map((r) => r.id);

  const pagesLeft = async () =>
    (await db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM webhook_pages'))[0].n;

  it('a page whose holder died is taken over: what has no row is sent under its id, the rest is not sent again', async () => {
    const hook = await webhook();
    const events = await oldEvents(3);
    const ids = await deliveryIds(3);
    // The holder sent and wrote down the first two (one delivered, one waiting for a retry),
    // then died before the third; its lease has ended.
    // Written with its retry a day away in one statement: a worker that looked between an insert
    // and a later update would find the pending one due and send it.
    await db.query(
      `INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, status, attempts, delivered_at, next_attempt_at)
       VALUES ($1, $3, $4, 'game.added', 'delivered', 1, now(), now() + interval '1 day'),
              ($2, $3, $5, 'game.added', 'pending', 1, NULL, now() + interval '1 day')`,
      [ids[0], ids[1], hook.id, events[0], events[1]],
    );
    await db.query(
      `INSERT INTO webhook_pages (webhook_id, event_ids, delivery_ids, event_types, claimed_until, claim_token)
       VALUES ($1, $2, $3, '{game.added,game.added,game.added}', now() - interval '1 second', gen_random_uuid())`,
      [hook.id, events, ids],
    );

    const [request] = await receiver.waitFor(1);
    expect(request.headers['webhook-id']).toBe(`msg_${ids[2]}`);
    expect(JSON.parse(request.body).data).toEqual({ n: 3 });
    await waitUntil(async () => (await pagesLeft()) === 0);
    expect(
      await db.query('SELECT id::text AS id, status, attempts FROM webhook_deliveries ORDER BY id'),
    ).toEqual([
      { id: ids[0], status: 'delivered', attempts: 1 },
      { id: ids[1], status: 'pending', attempts: 1 },
      { id: ids[2], status: 'delivered', attempts: 1 },
    ]);
    expect(receiver.requests).toHaveLength(1);
  });

  it('a page that owes nothing any more is deleted when taken over, and nothing is sent', async () => {
    const hook = await webhook();
    const [event] = await oldEvents(1);
    const [id] = await deliveryIds(1);
    await db.query(
      `INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, status, attempts, delivered_at)
       VALUES ($1, $2, $3, 'game.added', 'delivered', 1, now())`,
      [id, hook.id, event],
    );
    await db.query(
      `INSERT INTO webhook_pages (webhook_id, event_ids, delivery_ids, event_types, claimed_until, claim_token)
       VALUES ($1, $2, $3, '{game.added}', now() - interval '1 second', gen_random_uuid())`,
      [hook.id, [event], [id]],
    );
    await waitUntil(async () => (await pagesLeft()) === 0);
    expect(receiver.requests).toHaveLength(0);
  });

  it('a delivery that succeeds the first time is written once: delivered, attempt 1, under the id it was sent with', async () => {
    const hook = await webhook();
    await db.query(`INSERT INTO events (type, payload) VALUES ('game.added', '{"n": 1}')`);
    const [request] = await receiver.waitFor(1);
    await waitUntil(async () => (await pagesLeft()) === 0);
    const rows = await db.query(
      `SELECT 'msg_' || d.id AS id, d.status, d.attempts, a.attempt, a.success
       FROM webhook_deliveries d JOIN webhook_attempts a ON a.delivery_id = d.id WHERE d.webhook_id = $1`,
      [hook.id],
    );
    expect(rows).toEqual([
      {
        id: request.headers['webhook-id'],
        status: 'delivered',
        attempts: 1,
        attempt: 1,
        success: true,
      },
    ]);
  });

  it('counts as pending what pages owe and what is past a cursor, not yet reserved', async () => {
    const hook = await webhook();
    const pending = async () => (await scrape(t)).value('jackbox_webhook_pending_deliveries');
    // Two deliveries owed by a page another instance holds (its lease runs for an hour).
    const events = await oldEvents(2);
    await db.query(
      `INSERT INTO webhook_pages (webhook_id, event_ids, delivery_ids, event_types, claimed_until, claim_token)
       VALUES ($1, $2, $3, '{game.added,game.added}', now() + interval '1 hour', gen_random_uuid())`,
      [hook.id, events, await deliveryIds(2)],
    );
    expect(await pending()).toBe(2);
    // One event past the cursor while another instance is reading it (the cursor row is held).
    const runner = db.createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query('SELECT 1 FROM webhook_cursors WHERE webhook_id = $1 FOR UPDATE', [
        hook.id,
      ]);
      await db.query(`INSERT INTO events (type, payload) VALUES ('game.added', '{"n": 3}')`);
      await db.query(`INSERT INTO events (type, payload) VALUES ('session.ended', '{}')`);
      expect(await pending()).toBe(3);
      expect((await scrape(t)).value('jackbox_webhook_oldest_pending_age_seconds')).toBeGreaterThan(
        3000,
      );
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('a webhook enabled again is owed the events from then on, not those of while it was off', async () => {
    const hook = await webhook();
    await t.request('PATCH', `/api/webhooks/${hook.id}`, { token, body: { enabled: false } });
    await db.query(`INSERT INTO events (type, payload) VALUES ('game.added', '{"n": 1}')`);
    await t.request('PATCH', `/api/webhooks/${hook.id}`, { token, body: { enabled: true } });
    await db.query(`INSERT INTO events (type, payload) VALUES ('game.added', '{"n": 2}')`);
    const [request] = await receiver.waitFor(1);
    expect(JSON.parse(request.body).data).toEqual({ n: 2 });
    // Once the second is written down, nothing else is owed: the first was never reserved.
    await waitUntil(async () => (await pagesLeft()) === 0);
    const [{ n }] = await db.query('SELECT count(*)::int AS n FROM webhook_deliveries');
    expect(n).toBe(1);
    expect(receiver.requests).toHaveLength(1);
  });
});
