import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks send first and write after. Each webhook reads the event log past a cursor of its
 * own (`webhook_cursors`, replacing the one shared `webhook_dispatch`; `since`: it is owed the
 * events made from then on, when it was made or last enabled) and reserves what it reads as a
 * page (`webhook_pages`): the events, in order, their types, and the delivery ids their sends
 * carry. A page is held under a lease like a claimed delivery; each of its deliveries gets its
 * row only once attempted (delivered, or pending again for a retry), and the page is deleted
 * when every one of them has its row. A page whose holder died is taken over when its lease
 * ends and its deliveries without a row are sent again, under the same ids.
 *
 * Existing webhooks start at the shared cursor, so no event is owed twice or skipped.
 */
export class WebhookPages1764600000000 implements MigrationInterface {
  name = 'WebhookPages1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      CREATE TABLE webhook_cursors (
        webhook_id integer PRIMARY KEY REFERENCES webhooks (id) ON DELETE CASCADE,
        xid xid8 NOT NULL,
        event_id bigint NOT NULL,
        since timestamptz NOT NULL DEFAULT now()
      )`);
    await q(`
      INSERT INTO webhook_cursors (webhook_id, xid, event_id, since)
      SELECT w.id, d.xid, d.event_id, w.created_at FROM webhooks w CROSS JOIN webhook_dispatch d`);
    await q('DROP TABLE webhook_dispatch');
    await q(`
      CREATE TABLE webhook_pages (
        id bigserial PRIMARY KEY,
        webhook_id integer NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        event_ids bigint[] NOT NULL,
        delivery_ids bigint[] NOT NULL,
        event_types text[] NOT NULL,
        claimed_until timestamptz NOT NULL,
        claim_token uuid NOT NULL,
        CHECK (cardinality(delivery_ids) = cardinality(event_ids)
               AND cardinality(event_types) = cardinality(event_ids))
      )`);
    await q('CREATE INDEX webhook_pages_webhook ON webhook_pages (webhook_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      CREATE TABLE webhook_dispatch (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        xid xid8 NOT NULL,
        event_id bigint NOT NULL
      )`);
    // The least advanced position, pages included: what was owed is dispatched again as rows
    // (the old dispatch skips an event's delivery that already has one). With no webhook, the
    // last event.
    await q(`
      INSERT INTO webhook_dispatch (xid, event_id)
      SELECT xid, id FROM (
        SELECT xid, event_id AS id, 0 AS rank FROM webhook_cursors
        UNION ALL
        SELECT e.xid, e.id - 1, 0 FROM webhook_pages p JOIN events e ON e.id = ANY (p.event_ids)
        UNION ALL
        (SELECT xid, id, 1 FROM events ORDER BY xid DESC, id DESC LIMIT 1)
        UNION ALL
        SELECT '0', 0, 2
      ) owed ORDER BY rank, xid, id LIMIT 1`);
    await q('DROP TABLE webhook_pages');
    await q('DROP TABLE webhook_cursors');
  }
}
