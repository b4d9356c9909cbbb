import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { RuntimeConfig } from '../config/app-config';
import { SWEEP_INTERVAL_MS } from '../events/event-retention';
import { WebhooksRepository } from './webhooks.repository';

/**
 * Deletes finished deliveries (with their attempt logs) older than EVENT_RETENTION_HOURS,
 * hourly, like the events they were made of. Pending ones are still owed and stay.
 */
@Injectable()
export class WebhookRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookRetention.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly webhooks: WebhooksRepository,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Answers how many deliveries went. */
  async sweep(): Promise<number> {
    const hours = this.config.eventRetentionHours;
    try {
      const count = await this.webhooks.deleteFinishedOlderThan(hours);
      if (count > 0) this.logger.log(`deleted ${count} finished deliveries older than ${hours} h`);
      return count;
    } catch (error) {
      this.logger.error(`webhook retention sweep failed: ${(error as Error).message}`);
      return 0;
    }
  }
}
