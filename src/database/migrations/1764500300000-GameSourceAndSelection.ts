import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `session_games.source`: how a game came to be played, `dice` (the picker), `manual` (chosen by
 * hand) or `poll` (the viewers' poll). Rows from before it take theirs from `manually_added`,
 * which stays, and which the check keeps in step: a game is added by hand exactly when its
 * source is `manual`.
 *
 * `session_selections`: the game an admin picked for a session and has not added yet, one per
 * session, so every admin (on any instance, or opening the page later) sees the same pick. A
 * table of its own rather than columns on `sessions`, so deleting the game from the catalog
 * simply drops the pick.
 */
export class GameSourceAndSelection1764500300000 implements MigrationInterface {
  name = 'GameSourceAndSelection1764500300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`ALTER TABLE session_games ADD COLUMN source text`);
    await q(
      `UPDATE session_games SET source = CASE WHEN manually_added THEN 'manual' ELSE 'dice' END`,
    );
    await q(`
      ALTER TABLE session_games
        ALTER COLUMN source SET DEFAULT 'dice',
        ALTER COLUMN source SET NOT NULL,
        ADD CONSTRAINT session_games_source CHECK (source IN ('dice', 'manual', 'poll')),
        ADD CONSTRAINT session_games_source_manual CHECK (manually_added = (source = 'manual'))`);
    await q(`
      CREATE TABLE session_selections (
        session_id integer PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
        game_id integer NOT NULL REFERENCES games (id) ON DELETE CASCADE,
        source text NOT NULL CHECK (source IN ('dice', 'manual', 'poll')),
        selected_by text NOT NULL,
        selected_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q('CREATE INDEX session_selections_game ON session_selections (game_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q('DROP TABLE session_selections');
    await q(`
      ALTER TABLE session_games
        DROP CONSTRAINT session_games_source_manual,
        DROP CONSTRAINT session_games_source,
        DROP COLUMN source`);
  }
}
