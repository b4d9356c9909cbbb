import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Client } from 'pg';
import { APP_CONFIG } from '../config/config.module';
import type { RuntimeConfig } from '../config/app-config';
import { DatabaseAvailability } from '../database/database-availability';
import { Metrics, type RelaySource } from '../metrics/metrics';
import { EventAnnouncer, EVENTS_CHANNEL } from './event-announcer';
import { EventOutbox } from './event-outbox';
import { comparePositions, type EventPosition } from './event-types';
import { EventsRepository } from './events.repository';
import { INSTANCE_ID } from './instance';
import { TRANSIENT_CHANNEL, TransientEvents } from './transient-events';

const MAX_RECONNECT_DELAY_MS = 30_000;
/** Names the listener's connection in pg_stat_activity. */
export const RELAY_APPLICATION_NAME = 'jackbox-event-relay';
/** How often the relay looks for events no announcement told it about. */
export const RELAY_POLL_MS = 1_000;
export const LOOK_BACK_PAGE = 5_000;

/**
 * Brings events committed by other instances onto this instance's bus. Announcements arrive
 * on a dedicated LISTEN connection, reconnected when it drops; a poll a second finds what no
 * announcement reported (an instance that died between its commit and its announcement, or
 * the time this listener was down). The outbox skips what this instance already published.
 */
@Injectable()
export class EventRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventRelay.name);
  private client?: Client;
  private stopped = false;
  private reconnectDelay = 500;
  private reconnectTimer?: NodeJS.Timeout;
  private poller?: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();
  /** Where commit order stood at start-up: what is before it is history, never relayed. */
  private start: EventPosition = { xid: '0', id: 0 };
  /** Events after `start` that had already committed at start-up: history as well. */
  private history = new Set<number>();
  /** The look-back has seen every event up to here. */
  private lookedAt: EventPosition = this.start;

  constructor(
    private readonly events: EventsRepository,
    private readonly outbox: EventOutbox,
    private readonly announcer: EventAnnouncer,
    private readonly database: DatabaseAvailability,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly metrics: Metrics,
    private readonly transient: TransientEvents,
  ) {
    metrics.trackRelay(() => this.client !== undefined);
  }

  async onApplicationBootstrap(): Promise<void> {
    // Events from before this start are history, not news.
    const { position, committed } = await this.events.now();
    this.start = this.lookedAt = position;
    this.history = new Set(committed.map((event) => event.id));
    await this.connect();
    this.poller = setInterval(() => void this.lookBack(), RELAY_POLL_MS);
    this.poller.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.poller);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.reconnectTimer = undefined;
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.config.databaseUrl,
      application_name: RELAY_APPLICATION_NAME,
      connectionTimeoutMillis: this.config.database.connectionTimeoutMs,
    });
    client.on('notification', (message) => {
      if (message.channel === TRANSIENT_CHANNEL) this.transient.received(message.payload ?? '');
      else void this.onNotification(message.payload ?? '');
    });
    // It ends after an error and is reconnected; a lasting outage is reported by the reconnects.
    client.on('error', (error) =>
      this.logger.debug(`event listener connection error: ${error.message}`),
    );
    client.on('end', () => this.scheduleReconnect());
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      await client.query(`LISTEN ${TRANSIENT_CHANNEL}`);
      this.client = client;
      this.reconnectDelay = 500;
      await this.lookBack();
    } catch (error) {
      // Its own connection, outside the pools: failing to open it is the database's failure.
      this.database.failed(error);
      await client.end().catch(() => undefined);
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    this.client = undefined;
    if (this.stopped || this.reconnectTimer) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, MAX_RECONNECT_DELAY_MS);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private onNotification(payload: string): Promise<void> {
    const [origin, list] = payload.split(':');
    if (origin === this.instanceId || !/^\d+(,\d+)*$/.test(list ?? '')) return Promise.resolve();
    const ids = list
      .split(',')
      .map(Number)
      .filter((id) => !this.outbox.seen(id));
    return ids.length ? this.publishFromDatabase(ids, 'notify') : Promise.resolve();
  }

  /**
   * Events nobody announced here, found in commit order past where the look-back stands. The
   * outbox remembers what it published for longer than a look-back period, so an announced
   * event found again is skipped.
   */
  private async lookBack(): Promise<void> {
    try {
      this.announcer.listeners(await this.events.listeners(RELAY_APPLICATION_NAME));
      for (;;) {
        const positions = await this.events.positionsAfter(this.lookedAt, LOOK_BACK_PAGE);
        const missing = positions.filter((p) => !this.outbox.seen(p.id)).map((p) => p.id);
        if (missing.length) await this.publishFromDatabase(missing, 'look_back');
        if (positions.length) this.lookedAt = positions[positions.length - 1];
        if (positions.length < LOOK_BACK_PAGE) return;
      }
    } catch (error) {
      this.database.taskFailed(this.logger, 'event look-back failed', error);
    }
  }

  /** One fetch at a time, so events are published in the order they were found. */
  private publishFromDatabase(ids: number[], source: RelaySource): Promise<void> {
    this.queue = this.queue.then(async () => {
      try {
        for (const event of await this.events.byIds(ids)) {
          const news = comparePositions(event, this.start) > 0 && !this.history.has(event.id);
          if (news && this.outbox.emit(event)) {
            this.metrics.eventRelayed(source, event.createdAt);
          }
        }
      } catch (error) {
        this.database.taskFailed(this.logger, 'could not relay events', error);
      }
    });
    return this.queue;
  }
}
