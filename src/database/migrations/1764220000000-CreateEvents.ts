import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateEvents1764220000000 implements MigrationInterface {
  name = 'CreateEvents1764220000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE events (
        id bigserial PRIMARY KEY,
        type text NOT NULL,
        session_id integer,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX idx_events_session_id ON events (session_id, id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE events');
  }
}
