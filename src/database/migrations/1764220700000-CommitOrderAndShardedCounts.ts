import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lets votes commit side by side (see docs/performance.md):
 * - Events carry the id of the transaction that wrote them (`xid`). Readers take them in
 *   (xid, id) order, and only below the oldest transaction still running: nothing can commit
 *   there any more, so a reader that resumes after an event can never miss one that commits
 *   later. This replaces a per-session lock that serialized every event writer to commit.
 * - A game's vote counters are spread over a few rows (`vote_counts`, one per shard), summed on
 *   read (`games_with_votes`), so concurrent votes for one game rarely wait for each other.
 * - Webhook deliveries are created by the delivery worker from the event log, past a cursor
 *   (`webhook_dispatch`), instead of by a trigger inside every event's transaction.
 */
export class CommitOrderAndShardedCounts1764220700000 implements MigrationInterface {
  name = 'CommitOrderAndShardedCounts1764220700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    // Events stored before: transaction 0, so every later one sorts after them.
    await q('ALTER TABLE events ADD COLUMN xid xid8');
    await q(`UPDATE events SET xid = '0'`);
    await q(
      'ALTER TABLE events ALTER COLUMN xid SET DEFAULT pg_current_xact_id(), ALTER COLUMN xid SET NOT NULL',
    );
    await q('DROP INDEX idx_events_session_id');
    await q('CREATE INDEX events_position ON events (xid, id)');
    await q('CREATE INDEX events_session_position ON events (session_id, xid, id)');

    await q(`
      CREATE TABLE vote_counts (
        game_id integer NOT NULL REFERENCES games (id) ON DELETE CASCADE,
        shard smallint NOT NULL,
        upvotes integer NOT NULL DEFAULT 0,
        downvotes integer NOT NULL DEFAULT 0,
        PRIMARY KEY (game_id, shard)
      )`);
    await q(`
      INSERT INTO vote_counts (game_id, shard, upvotes, downvotes)
      SELECT id, 0, upvotes, downvotes FROM games WHERE upvotes <> 0 OR downvotes <> 0`);
    await q(
      'ALTER TABLE games DROP COLUMN popularity_score, DROP COLUMN upvotes, DROP COLUMN downvotes',
    );
    await q(`
      CREATE VIEW games_with_votes AS
      SELECT g.id, g.pack_name, g.title, g.min_players, g.max_players, g.length_minutes,
             g.has_audience, g.family_friendly, g.game_type, g.secondary_type, g.play_count,
             c.upvotes, c.downvotes, c.upvotes - c.downvotes AS popularity_score,
             g.enabled, g.favor_bias, g.ticker, g.created_at
      FROM games g
      CROSS JOIN LATERAL (
        SELECT coalesce(sum(v.upvotes), 0)::int AS upvotes, coalesce(sum(v.downvotes), 0)::int AS downvotes
        FROM vote_counts v WHERE v.game_id = g.id
      ) c`);

    await q('DROP TRIGGER events_enqueue_webhook_deliveries ON events');
    await q('DROP FUNCTION enqueue_webhook_deliveries()');
    await q(`
      CREATE TABLE webhook_dispatch (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        xid xid8 NOT NULL,
        event_id bigint NOT NULL
      )`);
    // The trigger made the deliveries of every event stored so far.
    await q(
      `INSERT INTO webhook_dispatch (xid, event_id) SELECT '0', coalesce(max(id), 0) FROM events`,
    );
    await q('DROP INDEX webhook_deliveries_due');
    await q(
      `CREATE INDEX webhook_deliveries_claim ON webhook_deliveries (webhook_id, next_attempt_at, id) WHERE status = 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q('DROP INDEX webhook_deliveries_claim');
    await q(
      `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
    );
    await q('DROP TABLE webhook_dispatch');
    await q(`
      CREATE FUNCTION enqueue_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO webhook_deliveries (webhook_id, event_id, event_type)
        SELECT w.id, NEW.id, NEW.type FROM webhooks w WHERE w.enabled AND NEW.type = ANY (w.events);
        RETURN NULL;
      END $$`);
    await q(
      'CREATE TRIGGER events_enqueue_webhook_deliveries AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION enqueue_webhook_deliveries()',
    );

    await q('DROP VIEW games_with_votes');
    await q(`
      ALTER TABLE games ADD COLUMN upvotes integer NOT NULL DEFAULT 0,
                        ADD COLUMN downvotes integer NOT NULL DEFAULT 0,
                        ADD COLUMN popularity_score integer GENERATED ALWAYS AS (upvotes - downvotes) STORED`);
    await q(`
      UPDATE games g SET upvotes = c.up, downvotes = c.down
      FROM (SELECT game_id, sum(upvotes) AS up, sum(downvotes) AS down FROM vote_counts GROUP BY game_id) c
      WHERE g.id = c.game_id`);
    await q('DROP TABLE vote_counts');

    await q('DROP INDEX events_session_position');
    await q('DROP INDEX events_position');
    await q('CREATE INDEX idx_events_session_id ON events (session_id, id)');
    await q('ALTER TABLE events DROP COLUMN xid');
  }
}
