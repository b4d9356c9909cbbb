import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { WebhooksRepository } from '../src/webhooks/webhooks.repository';
import { startTestApp, type TestApp } from './support/app';
import { unreachableWebhook } from './support/factories';

/**
 * The worker's clock counts milliseconds, PostgreSQL's microseconds: a delivery the dispatch
 * makes is due from the database's `now()`, and the claim that follows at once may read the
 * same millisecond on the worker's clock.
 */
describe('claiming due webhook deliveries', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('claims a delivery that came due within the millisecond the worker reads as now', async () => {
    const hook = await unreachableWebhook(t, 'Due');
    // An hour ahead, so the app's own worker leaves both alone.
    const now = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
    const due = async (after: string): Promise<string> =>
      (
        await db.query(
          `INSERT INTO webhook_deliveries (webhook_id, event_type, body, next_attempt_at)
           VALUES ($1, 'game.added', '{}', $2::timestamptz + $3::interval) RETURNING id::text AS id`,
          [hook.id, now, after],
        )
      )[0].id;
    const withinIt = await due('500 microseconds');
    await due('1 millisecond');

    const claimed = await new WebhooksRepository(db).claimDue(
      now,
      new Date(now.getTime() + 5_000),
      randomUUID(),
      { perWebhook: 10, total: 10, busy: new Map() },
    );

    // The first was lost until the next claim when `now` was read as its first microsecond.
    expect(claimed.map((d) => d.id)).toEqual([withinIt]);
  });
});
