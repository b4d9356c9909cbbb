import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { RuntimeConfig } from '../config/app-config';
import { EventsRepository } from './events.repository';

export const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes events older than EVENT_RETENTION_HOURS (at least a day), hourly: bots can resume
 * with `lastEventId` within that window. (Finished webhook deliveries have their own sweep in
 * the webhooks module.)
 */
@Injectable()
export class EventRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventRetention.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly events: EventsRepository,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Deletes what is older than the retention; answers how many events went. */
  async sweep(): Promise<number> {
    const hours = this.config.eventRetentionHours;
    try {
      const count = await this.events.deleteOlderThan(hours);
      if (count > 0) this.logger.log(`deleted ${count} events older than ${hours} h`);
      return count;
    } catch (error) {
      this.logger.error(`event retention sweep failed: ${(error as Error).message}`);
      return 0;
    }
  }
}
