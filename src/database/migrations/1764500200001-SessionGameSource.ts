import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where a session game came from: `dice` (the picker), `manual` or `poll` (a viewer poll's
 * winner). Rows from before the column take theirs from `manually_added`.
 */
export class SessionGameSource1764500200001 implements MigrationInterface {
  name = 'SessionGameSource1764500200001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE session_games
        ADD COLUMN source text NOT NULL DEFAULT 'dice' CHECK (source IN ('dice', 'manual', 'poll'))`);
    await queryRunner.query(`UPDATE session_games SET source = 'manual' WHERE manually_added`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE session_games DROP COLUMN source');
  }
}
