import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deleting old events sets their deliveries' event_id to NULL, and deleting old deliveries
 * deletes their attempts: without these indexes, each deleted row scanned a whole table. The
 * retention sweep finds finished deliveries by age.
 */
export class WebhookHousekeeping1764220500000 implements MigrationInterface {
  name = 'WebhookHousekeeping1764220500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id)',
    );
    await queryRunner.query(
      'CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id)',
    );
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (created_at) WHERE status <> 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX webhook_deliveries_finished');
    await queryRunner.query('DROP INDEX webhook_attempts_delivery');
    await queryRunner.query('DROP INDEX webhook_deliveries_event');
  }
}
