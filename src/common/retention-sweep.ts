import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

export const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes rows older than the retention (EVENT_RETENTION_HOURS), hourly. Each module sweeps
 * its own tables; this is the schedule and the logging they share.
 */
export abstract class RetentionSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(this.constructor.name);
  private timer?: NodeJS.Timeout;

  constructor(
    /** What is deleted, for the log ("events", "finished deliveries"). */
    private readonly what: string,
    private readonly hours: number,
  ) {}

  /** Deletes what is older than `hours`; answers how many rows went. */
  protected abstract deleteOlderThan(hours: number): Promise<number>;

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<number> {
    try {
      const count = await this.deleteOlderThan(this.hours);
      if (count > 0) this.logger.log(`deleted ${count} ${this.what} older than ${this.hours} h`);
      return count;
    } catch (error) {
      this.logger.error(`retention sweep of ${this.what} failed: ${(error as Error).message}`);
      return 0;
    }
  }
}
