import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateWebhooks1764220400000 implements MigrationInterface {
  name = 'CreateWebhooks1764220400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // json keeps the payload's text (and key order) exactly as it was written.
    await queryRunner.query(
      'ALTER TABLE events ALTER COLUMN payload TYPE json USING payload::json',
    );
    await queryRunner.query(`
      CREATE TABLE webhooks (
        id serial PRIMARY KEY,
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        url text NOT NULL,
        secret text NOT NULL,
        events text[] NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        failing_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        id bigserial PRIMARY KEY,
        webhook_id integer NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        event_id bigint REFERENCES events (id) ON DELETE SET NULL,
        event_type text NOT NULL,
        -- The exact bytes sent and signed, fixed at the first attempt so every retry is identical.
        body text,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL DEFAULT 8,
        -- A test send (POST /api/webhooks/test/:id): its outcome says nothing about the webhook's health.
        is_test boolean NOT NULL DEFAULT false,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        claimed_until timestamptz,
        claim_token uuid,
        last_status_code integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        CONSTRAINT webhook_deliveries_one_per_event UNIQUE (webhook_id, event_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
    );
    await queryRunner.query(`
      CREATE TABLE webhook_attempts (
        id bigserial PRIMARY KEY,
        delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        webhook_id integer NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        event_type text NOT NULL,
        attempt integer NOT NULL,
        attempted_at timestamptz NOT NULL,
        status_code integer,
        duration_ms integer NOT NULL,
        success boolean NOT NULL,
        error text,
        response_body text
      )`);
    await queryRunner.query(
      'CREATE INDEX webhook_attempts_webhook ON webhook_attempts (webhook_id, id DESC)',
    );
    // The delivery rows of an event are created in the event's own transaction: a crash
    // between the commit and the send loses nothing, and no event is ever skipped.
    await queryRunner.query(`
      CREATE FUNCTION enqueue_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO webhook_deliveries (webhook_id, event_id, event_type)
        SELECT w.id, NEW.id, NEW.type FROM webhooks w WHERE w.enabled AND NEW.type = ANY (w.events);
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      'CREATE TRIGGER events_enqueue_webhook_deliveries AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION enqueue_webhook_deliveries()',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER events_enqueue_webhook_deliveries ON events');
    await queryRunner.query('DROP FUNCTION enqueue_webhook_deliveries()');
    await queryRunner.query('DROP TABLE webhook_attempts');
    await queryRunner.query('DROP TABLE webhook_deliveries');
    await queryRunner.query('DROP TABLE webhooks');
    await queryRunner.query(
      'ALTER TABLE events ALTER COLUMN payload TYPE jsonb USING payload::jsonb',
    );
  }
}
