import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  WebhooksRepository,
  type ClaimedDelivery,
  type Delivered,
} from '../src/webhooks/webhooks.repository';
import { startTestApp, type TestApp } from './support/app';
import { claimedDeliveries, unreachableWebhook, waitUntil } from './support/factories';

/**
 * The worker logs successes, renews its leases and gives claims back in statements over many
 * deliveries each, which can run at the same time on the same rows. None may ever deadlock
 * another: PostgreSQL would abort one, and an aborted log sends its whole batch again.
 */
describe('webhook statements over many claimed deliveries', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t?.close();
  });

  /** Statements of this test waiting for a row lock. */
  const waitingOnLocks = async () =>
    Number(
      (
        await db.query(
          `SELECT count(*) AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )
      )[0].n,
    );

  /** A repository on a connection of its own, whose joins loop over their first list. */
  async function listOrderedConnection() {
    const runner = db.createQueryRunner();
    for (const plan of ['hashjoin', 'mergejoin', 'seqscan', 'bitmapscan']) {
      await runner.query(`SET enable_${plan} = off`);
    }
    const repository = new WebhooksRepository(runner.manager as unknown as DataSource);
    return {
      repository,
      release: async () => {
        await runner.query('RESET ALL');
        await runner.release();
      },
    };
  }

  /** A first success, as the worker logs it. */
  const succeeded = (delivery: ClaimedDelivery): Delivered => ({
    delivery,
    at: new Date(),
    statusCode: 200,
    durationMs: 1,
    responseBody: 'OK',
  });

  /** A claimed row's delivery, as the worker holds it. */
  const heldRow = (id: string, hook: { id: number }, claim: string) =>
    ({
      id,
      webhook_id: hook.id,
      event_type: 'game.added',
      attempts: 1,
      claim_token: claim,
    }) as ClaimedDelivery;

  type HeldPage = { id: string; event_id: string; delivery_id: string };

  /**
   * `n` pages of one delivery each, held under `token`, sorted by id. Their events are older
   * than the webhook, so its own reserves never owe them.
   */
  const heldPages = async (hook: { id: number }, n: number, token: string) => {
    const pages = await db.query<HeldPage[]>(
      `WITH made AS (
         INSERT INTO events (type, payload, created_at)
         SELECT 'game.added', '{}', now() - interval '1 hour' FROM generate_series(1, $3) RETURNING id
       )
       INSERT INTO webhook_pages (webhook_id, event_ids, delivery_ids, event_types, claimed_until, claim_token)
       SELECT $1, ARRAY[id], ARRAY[nextval('webhook_deliveries_id_seq')], ARRAY['game.added'],
              now() + interval '1 hour', $2
       FROM made
       RETURNING id::text AS id, event_ids[1]::text AS event_id, delivery_ids[1]::text AS delivery_id`,
      [hook.id, token, n],
    );
    return pages.sort((x, y) => Number(x.id) - Number(y.id));
  };

  /** A held page's delivery, as the worker holds it. */
  const pageDelivery = (page: HeldPage, hook: { id: number }, token: string) =>
    ({
      id: page.delivery_id,
      webhook_id: hook.id,
      event_id: page.event_id,
      event_type: 'game.added',
      attempts: 1,
      claim_token: token,
      page: page.id,
    }) as ClaimedDelivery;

  /**
   * Runs a renewal, then a log of successes, each on a connection of its own planned as on a
   * table of many rows (a loop over its list, meeting the rows in the list's order), while
   * another transaction holds row `blocked` of `table`: the renewal stops there, holding what
   * it locked before, and the log comes in meanwhile. Answers how both ended once that
   * transaction commits.
   */
  async function renewWhileLogging(
    table: 'webhook_deliveries' | 'webhook_pages',
    blocked: string,
    renew: (repository: WebhooksRepository) => Promise<string[]>,
    log: (repository: WebhooksRepository) => Promise<void>,
  ): Promise<[PromiseSettledResult<string[]>, PromiseSettledResult<void>]> {
    const renewer = await listOrderedConnection();
    const recorder = await listOrderedConnection();
    const other = db.createQueryRunner();
    await other.startTransaction();
    try {
      await other.query(`SELECT id FROM ${table} WHERE id = $1 FOR UPDATE`, [blocked]);
      const renewing = renew(renewer.repository);
      await waitUntil(async () => (await waitingOnLocks()) === 1);
      const logging = log(recorder.repository);
      await waitUntil(async () => (await waitingOnLocks()) === 2);
      await other.commitTransaction();
      return await Promise.allSettled([renewing, logging]);
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
      await renewer.release();
      await recorder.release();
    }
  }

  it('log successes and renew leases side by side without a deadlock, whatever order their rows come in', async () => {
    const hook = await unreachableWebhook(t, 'Locks');
    const claim = randomUUID();
    const [a, b, c] = await claimedDeliveries(db, hook, 3, claim);
    const held = (id: string) => heldRow(id, hook, claim);

    // The log comes with the same rows as the renewal, the other way round.
    const [renewed, recorded] = await renewWhileLogging(
      'webhook_deliveries',
      c,
      (repository) => repository.renew([held(a), held(c), held(b)], new Date(Date.now() + 60_000)),
      (repository) => repository.recordDelivered([succeeded(held(b)), succeeded(held(a))]),
    );
    expect(renewed).toEqual({ status: 'fulfilled', value: expect.arrayContaining([a, b, c]) });
    expect(recorded).toEqual({ status: 'fulfilled', value: undefined });
    expect(
      await db.query(
        `SELECT id::text AS id, status, attempts FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id`,
        [hook.id],
      ),
    ).toEqual([
      { id: a, status: 'delivered', attempts: 1 },
      { id: b, status: 'delivered', attempts: 1 },
      { id: c, status: 'pending', attempts: 0 },
    ]);
  });

  it("renew pages and write pages' successes side by side without a deadlock, whatever order their pages come in", async () => {
    const hook = await unreachableWebhook(t, 'Page locks');
    const token = randomUUID();
    const [a, b, c] = await heldPages(hook, 3, token);
    const held = (page: HeldPage) => ({ id: page.id, token });
    const delivery = (page: HeldPage) => pageDelivery(page, hook, token);

    // The successes come with the same pages as the renewal, the other way round.
    const [renewed, recorded] = await renewWhileLogging(
      'webhook_pages',
      c.id,
      (repository) =>
        repository.renewPages([held(a), held(c), held(b)], new Date(Date.now() + 60_000)),
      (repository) =>
        repository.recordPageDelivered([succeeded(delivery(b)), succeeded(delivery(a))]),
    );
    expect(renewed).toEqual({
      status: 'fulfilled',
      value: expect.arrayContaining([a.id, b.id, c.id]),
    });
    expect(recorded).toEqual({ status: 'fulfilled', value: undefined });
    expect(
      await db.query(
        `SELECT id::text AS id, status FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id`,
        [hook.id],
      ),
    ).toEqual([
      { id: a.delivery_id, status: 'delivered' },
      { id: b.delivery_id, status: 'delivered' },
    ]);
  });

  it("log a batch of successes when one's webhook was deleted meanwhile: the others are logged", async () => {
    const kept = await unreachableWebhook(t, 'Kept');
    const gone = await unreachableWebhook(t, 'Gone');
    const claim = randomUUID();
    const [a] = await claimedDeliveries(db, kept, 1, claim);
    const [b] = await claimedDeliveries(db, gone, 1, claim);
    const held = (id: string, hook: { id: number }) => heldRow(id, hook, claim);
    // Deleting the webhook deletes its deliveries, one of them sent and awaiting its log.
    await db.query('DELETE FROM webhooks WHERE id = $1', [gone.id]);

    await t.app
      .get(WebhooksRepository)
      .recordDelivered([succeeded(held(a, kept)), succeeded(held(b, gone))]);

    expect(
      await db.query(
        `SELECT d.id::text AS id, d.status, count(a.id)::int AS logged
         FROM webhook_deliveries d LEFT JOIN webhook_attempts a ON a.delivery_id = d.id
         WHERE d.id = ANY ($1::bigint[]) GROUP BY d.id ORDER BY d.id`,
        [[a, b]],
      ),
    ).toEqual([{ id: a, status: 'delivered', logged: 1 }]);
  });

  it("log a batch of pages' successes when one's event was swept away meanwhile: all are logged", async () => {
    const hook = await unreachableWebhook(t, 'Swept');
    const token = randomUUID();
    const [a, b] = await heldPages(hook, 2, token);
    const delivery = (page: HeldPage) => pageDelivery(page, hook, token);
    // The retention sweep deletes old events; one page's was sent and awaits its log.
    await db.query('DELETE FROM events WHERE id = $1', [b.event_id]);

    await t.app
      .get(WebhooksRepository)
      .recordPageDelivered([succeeded(delivery(a)), succeeded(delivery(b))]);

    expect(
      await db.query(
        `SELECT d.id::text AS id, d.status, d.event_id::text AS event_id, count(a.id)::int AS logged
         FROM webhook_deliveries d LEFT JOIN webhook_attempts a ON a.delivery_id = d.id
         WHERE d.webhook_id = $1 GROUP BY d.id ORDER BY d.id`,
        [hook.id],
      ),
    ).toEqual([
      { id: a.delivery_id, status: 'delivered', event_id: a.event_id, logged: 1 },
      { id: b.delivery_id, status: 'delivered', event_id: null, logged: 1 },
    ]);
  });

  it('give back on shutdown only the claims still held under their token, due again at once', async () => {
    const hook = await unreachableWebhook(t, 'Locks');
    const claim = randomUUID();
    const [mine, taken, done] = await claimedDeliveries(db, hook, 3, claim);
    await db.query('UPDATE webhook_deliveries SET claim_token = $2 WHERE id = $1', [
      taken,
      randomUUID(),
    ]);
    await db.query(
      `UPDATE webhook_deliveries SET status = 'delivered', claimed_until = NULL WHERE id = $1`,
      [done],
    );
    const held = (id: string) => ({ id, claim_token: claim }) as ClaimedDelivery;

    await t.app.get(WebhooksRepository).release([held(done), held(taken), held(mine)]);

    const rows = await db.query(
      `SELECT id::text AS id, status, claim_token IS NULL AS unclaimed, claimed_until IS NULL AS unleased,
              next_attempt_at <= now() AS due
       FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id`,
      [hook.id],
    );
    expect(rows).toEqual([
      { id: mine, status: 'pending', unclaimed: true, unleased: true, due: true },
      { id: taken, status: 'pending', unclaimed: false, unleased: false, due: false },
      { id: done, status: 'delivered', unclaimed: false, unleased: true, due: false },
    ]);
  });
});
