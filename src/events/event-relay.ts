import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { RuntimeConfig } from '../config/app-config';
import { EVENTS_CHANNEL, EventOutbox, INSTANCE_ID } from './event-outbox';
import type { DomainEvent, EventType } from './event-types';

interface StoredEvent {
  id: string;
  type: EventType;
  session_id: number | null;
  payload: DomainEvent['payload'];
  created_at: Date;
}

export const toDomainEvent = (row: StoredEvent): DomainEvent => ({
  id: Number(row.id),
  type: row.type,
  sessionId: row.session_id,
  payload: row.payload,
  createdAt: row.created_at,
});

const MAX_RECONNECT_DELAY_MS = 30_000;
/** Names the listener's connection in pg_stat_activity. */
export const RELAY_APPLICATION_NAME = 'jackbox-event-relay';

/**
 * Brings events committed by other instances onto this instance's bus: LISTENs on a
 * dedicated connection, reconnects when it drops, and after a reconnect publishes what was
 * committed in between (the outbox skips what this instance already published).
 */
@Injectable()
export class EventRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventRelay.name);
  private client?: Client;
  private stopped = false;
  private reconnectDelay = 500;
  private lastSeenId = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: EventOutbox,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const [row] = await this.dataSource.query<{ id: string | null }[]>(
      'SELECT max(id) AS id FROM events',
    );
    this.lastSeenId = Number(row.id ?? 0);
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.reconnectTimer = undefined;
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.config.databaseUrl,
      application_name: RELAY_APPLICATION_NAME,
    });
    client.on('notification', (message) => void this.onNotification(message.payload ?? ''));
    client.on('error', (error) =>
      this.logger.warn(`event listener connection error: ${error.message}`),
    );
    client.on('end', () => this.scheduleReconnect());
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      this.client = client;
      this.reconnectDelay = 500;
      await this.catchUp();
    } catch (error) {
      this.logger.warn(`event listener could not connect: ${(error as Error).message}`);
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
    const [origin, id] = payload.split(':');
    if (origin === this.instanceId || !/^\d+$/.test(id ?? '')) return Promise.resolve();
    return this.publishFromDatabase('id = $1', [id]);
  }

  /** Events committed while the listener was down. */
  private catchUp(): Promise<void> {
    return this.publishFromDatabase('id > $1', [this.lastSeenId]);
  }

  /** One fetch at a time, so events are published in the order they were announced. */
  private publishFromDatabase(where: string, params: unknown[]): Promise<void> {
    this.queue = this.queue.then(() => this.fetchAndPublish(where, params));
    return this.queue;
  }

  private async fetchAndPublish(where: string, params: unknown[]): Promise<void> {
    try {
      const rows = await this.dataSource.query<StoredEvent[]>(
        `SELECT id, type, session_id, payload, created_at FROM events WHERE ${where} ORDER BY id`,
        params,
      );
      for (const row of rows) {
        this.lastSeenId = Math.max(this.lastSeenId, Number(row.id));
        this.outbox.publish(toDomainEvent(row));
      }
    } catch (error) {
      this.logger.error(`could not relay events: ${(error as Error).message}`);
    }
  }
}
