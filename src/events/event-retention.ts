import { Inject, Injectable } from '@nestjs/common';
import { RetentionSweep } from '../common/retention-sweep';
import { APP_CONFIG } from '../config/config.module';
import type { RuntimeConfig } from '../config/app-config';
import { EventsRepository } from './events.repository';

/**
 * Deletes events older than EVENT_RETENTION_HOURS (at least a day), hourly: bots can resume
 * with `lastEventId` within that window. (Finished webhook deliveries have their own sweep in
 * the webhooks module.)
 */
@Injectable()
export class EventRetention extends RetentionSweep {
  constructor(
    private readonly events: EventsRepository,
    @Inject(APP_CONFIG) config: RuntimeConfig,
  ) {
    super('events', config.eventRetentionHours);
  }

  protected deleteOlderThan(hours: number): Promise<number> {
    return this.events.deleteOlderThan(hours);
  }
}
