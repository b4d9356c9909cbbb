import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a watched room tells about a session game, kept on the row so a dashboard (and the
 * `status-live` fallback) can show it with no monitor running, and so an instance taking a room
 * over knows whether its game already started or ended: it must not announce either twice.
 * `room_max_players` is the room's own seat count, which can differ from the catalog's.
 *
 * `room_monitor_leases`: which instance watches which session game's room. One row per watched
 * game; its owner renews it, and once it has expired another instance may take it.
 */
export class RoomMonitoring1764400100000 implements MigrationInterface {
  name = 'RoomMonitoring1764400100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      ALTER TABLE session_games
        ADD COLUMN app_tag text,
        ADD COLUMN room_max_players integer CHECK (room_max_players >= 0),
        ADD COLUMN lobby_state text,
        ADD COLUMN monitoring boolean NOT NULL DEFAULT false,
        ADD COLUMN monitor_reason text,
        ADD COLUMN game_started_at timestamptz,
        ADD COLUMN game_ended_at timestamptz`);
    await q(`
      CREATE TABLE room_monitor_leases (
        session_game_id integer PRIMARY KEY REFERENCES session_games (id) ON DELETE CASCADE,
        room_code text NOT NULL,
        owner text NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q('DROP TABLE room_monitor_leases');
    await q(`
      ALTER TABLE session_games
        DROP COLUMN app_tag, DROP COLUMN room_max_players, DROP COLUMN lobby_state,
        DROP COLUMN monitoring, DROP COLUMN monitor_reason, DROP COLUMN game_started_at,
        DROP COLUMN game_ended_at`);
  }
}
