import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `max_attempts` NULL means "as many as the retry schedule allows" (MAX_ATTEMPTS in
 * src/webhooks/retry-schedule.ts): a column default of 8 used to override that constant
 * silently. Test sends (1) and manual retries (one more) still set it.
 */
export class DeliveryAttemptsFromSchedule1764220600000 implements MigrationInterface {
  name = 'DeliveryAttemptsFromSchedule1764220600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE webhook_deliveries ALTER COLUMN max_attempts DROP DEFAULT, ALTER COLUMN max_attempts DROP NOT NULL',
    );
    await queryRunner.query(
      'UPDATE webhook_deliveries SET max_attempts = NULL WHERE NOT is_test AND max_attempts = 8',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'UPDATE webhook_deliveries SET max_attempts = 8 WHERE max_attempts IS NULL',
    );
    await queryRunner.query(
      'ALTER TABLE webhook_deliveries ALTER COLUMN max_attempts SET DEFAULT 8, ALTER COLUMN max_attempts SET NOT NULL',
    );
  }
}
