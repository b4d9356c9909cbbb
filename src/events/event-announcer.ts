import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DatabaseAvailability } from '../database/database-availability';
import { INSTANCE_ID } from './instance';

/** The PostgreSQL channel that carries `<instance>:<id>,<id>,...` for committed events. */
export const EVENTS_CHANNEL = 'jackbox_events';
/** Announcements gathered for this long go out as one NOTIFY. */
const BATCH_MS = 5;
/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_PAYLOAD = 7_000;

/**
 * Tells the other instances, after commit, which events this one committed. A NOTIFY inside
 * each event's transaction would serialize every commit on PostgreSQL's notification queue
 * lock (measured: about a third of the vote throughput), so ids are batched into one NOTIFY
 * every few milliseconds. An announcement lost to a crash is found by the relays' look-back
 * poll (see EventRelay).
 */
@Injectable()
export class EventAnnouncer implements OnApplicationShutdown {
  private readonly logger = new Logger(EventAnnouncer.name);
  private pending: number[] = [];
  private timer?: NodeJS.Timeout;
  /**
   * Whether another instance listens (the relay counts them every look-back period). Alone, an
   * instance announces nothing: an instance that starts later finds what it missed with its
   * look-back, and meanwhile no NOTIFY costs a busy chat anything.
   */
  private othersListen = true;

  constructor(
    private readonly dataSource: DataSource,
    private readonly database: DatabaseAvailability,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
  ) {}

  /** Whether committed events are announced (another instance listens). */
  get announcing(): boolean {
    return this.othersListen;
  }

  /** The relay says how many instances listen, this one included. */
  listeners(count: number): void {
    this.othersListen = count > 1;
  }

  announce(id: number): void {
    if (!this.othersListen) return;
    this.pending.push(id);
    this.timer ??= setTimeout(() => void this.flush(), BATCH_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    await this.flush();
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const ids = this.pending;
    this.pending = [];
    const payloads: string[] = [];
    let current = '';
    for (const id of ids) {
      if (current && current.length + String(id).length + 1 > MAX_PAYLOAD) {
        payloads.push(current);
        current = '';
      }
      current += current ? `,${id}` : String(id);
    }
    if (current) payloads.push(current);
    for (const payload of payloads) {
      try {
        await this.dataSource.query('SELECT pg_notify($1, $2)', [
          EVENTS_CHANNEL,
          `${this.instanceId}:${payload}`,
        ]);
      } catch (error) {
        this.database.taskFailed(
          this.logger,
          'could not announce events to other instances',
          error,
        );
      }
    }
  }
}
