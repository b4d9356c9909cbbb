import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateVotes1764220300000 implements MigrationInterface {
  name = 'CreateVotes1764220300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Lets the exclusion constraint below compare usernames with = inside a GiST index.
    await queryRunner.query('CREATE EXTENSION IF NOT EXISTS btree_gist');
    await queryRunner.query(`
      CREATE TABLE votes (
        id bigserial PRIMARY KEY,
        session_id integer NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        game_id integer NOT NULL REFERENCES games (id) ON DELETE RESTRICT,
        username text NOT NULL CHECK (length(username) BETWEEN 1 AND 100),
        vote_type smallint NOT NULL CHECK (vote_type IN (1, -1)),
        voted_at timestamptz NOT NULL,
        -- [voted_at, voted_at + 1 s): two votes of one user overlap exactly when less than a
        -- second apart, which the constraint refuses however many requests race.
        vote_window tstzrange NOT NULL,
        source text NOT NULL DEFAULT 'live' CHECK (source IN ('live', 'chat')),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT votes_window_matches CHECK (lower(vote_window) = voted_at AND upper(vote_window) = voted_at + interval '1 second'),
        CONSTRAINT votes_one_per_user_per_second EXCLUDE USING gist (username WITH =, vote_window WITH &&)
      )`);
    await queryRunner.query('CREATE INDEX votes_session_game ON votes (session_id, game_id)');
    await queryRunner.query('CREATE INDEX votes_game ON votes (game_id)');
    await queryRunner.query('CREATE INDEX votes_voted_at ON votes (voted_at DESC, id DESC)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE votes');
    // Only the votes table needed it; left installed, it would outlive the migration that added it.
    await queryRunner.query('DROP EXTENSION btree_gist');
  }
}
