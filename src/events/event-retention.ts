import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { RuntimeConfig } from '../config/app-config';
import { modify } from '../database/sql';

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes events and finished webhook deliveries older than EVENT_RETENTION_HOURS (at least a
 * day), hourly.
 */
@Injectable()
export class EventRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventRetention.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
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
    const hours = [this.config.eventRetentionHours];
    try {
      // Finished deliveries (and their attempt logs) go first: pending ones are still owed.
      await this.dataSource.query(
        `DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < now() - make_interval(hours => $1)`,
        hours,
      );
      const { count } = await modify(
        this.dataSource,
        `DELETE FROM events WHERE created_at < now() - make_interval(hours => $1)`,
        hours,
      );
      if (count > 0) this.logger.log(`deleted ${count} events older than ${hours[0]} h`);
      return count;
    } catch (error) {
      this.logger.error(`retention sweep failed: ${(error as Error).message}`);
      return 0;
    }
  }
}
