import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSessions1764220200000 implements MigrationInterface {
  name = 'CreateSessions1764220200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sessions (
        id serial PRIMARY KEY,
        notes text,
        is_active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz
      )`);
    // At most one active session, enforced by the database.
    await queryRunner.query(
      'CREATE UNIQUE INDEX sessions_one_active ON sessions (is_active) WHERE is_active',
    );
    await queryRunner.query(`
      CREATE TABLE session_games (
        id serial PRIMARY KEY,
        session_id integer NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        game_id integer NOT NULL REFERENCES games (id) ON DELETE RESTRICT,
        played_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'playing' CHECK (status IN ('playing', 'played', 'skipped')),
        manually_added boolean NOT NULL DEFAULT false,
        room_code text CHECK (room_code ~ '^[A-Z0-9]{4}$'),
        player_count integer CHECK (player_count >= 0)
      )`);
    await queryRunner.query(
      'CREATE INDEX session_games_session_played ON session_games (session_id, played_at)',
    );
    await queryRunner.query('CREATE INDEX session_games_game ON session_games (game_id)');
    await queryRunner.query(
      `CREATE UNIQUE INDEX session_games_one_playing ON session_games (session_id) WHERE status = 'playing'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE session_games');
    await queryRunner.query('DROP TABLE sessions');
  }
}
