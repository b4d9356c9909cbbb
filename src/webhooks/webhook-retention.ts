import { Inject, Injectable } from '@nestjs/common';
import { RetentionSweep } from '../common/retention-sweep';
import { APP_CONFIG } from '../config/config.module';
import type { RuntimeConfig } from '../config/app-config';
import { WebhooksRepository } from './webhooks.repository';

/**
 * Deletes finished deliveries (with their attempt logs) older than EVENT_RETENTION_HOURS,
 * hourly, like the events they were made of. Pending ones are still owed and stay.
 */
@Injectable()
export class WebhookRetention extends RetentionSweep {
  constructor(
    private readonly webhooks: WebhooksRepository,
    @Inject(APP_CONFIG) config: RuntimeConfig,
  ) {
    super('finished deliveries', config.eventRetentionHours);
  }

  protected deleteOlderThan(hours: number): Promise<number> {
    return this.webhooks.deleteFinishedOlderThan(hours);
  }
}
