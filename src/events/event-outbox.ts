import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, EntityManager } from 'typeorm';
import type { DomainEvent, EventPayloads, EventType } from './event-types';

/** The PostgreSQL channel that carries `<instance>:<event id>` for every committed event. */
export const EVENTS_CHANNEL = 'jackbox_events';
/** This process's id on that channel, so it can skip its own notifications. */
export const INSTANCE_ID = Symbol('INSTANCE_ID');

/**
 * Advisory lock class (with the session id) taken before a session's event is inserted and held
 * to commit, so a session's event ids are committed in increasing order: a bot resuming after
 * the last id it saw cannot miss an earlier event that committed later.
 */
export const SESSION_EVENTS_LOCK = 7276;

/** How many published event ids are remembered to keep a late duplicate from going out twice. */
const RECENT_IDS = 10_000;

interface EventRow {
  id: string;
  created_at: Date;
}

/** A transaction in progress, through which a service records the events its change causes. */
export class OutboxTransaction {
  constructor(
    readonly manager: EntityManager,
    private readonly recorded: DomainEvent[],
    private readonly instanceId: string,
  ) {}

  /**
   * Stores the event in this transaction and queues its NOTIFY, which PostgreSQL delivers to
   * the other instances only if the transaction commits; this instance publishes it after commit.
   */
  async record<T extends EventType>(
    type: T,
    sessionId: number | null,
    payload: EventPayloads[T],
  ): Promise<DomainEvent<T>> {
    if (sessionId !== null) {
      await this.manager.query('SELECT pg_advisory_xact_lock($1, $2)', [
        SESSION_EVENTS_LOCK,
        sessionId,
      ]);
    }
    const [row] = await this.manager.query<EventRow[]>(
      `WITH e AS (INSERT INTO events (type, session_id, payload) VALUES ($1, $2, $3) RETURNING id, created_at)
       SELECT e.id, e.created_at, pg_notify('${EVENTS_CHANNEL}', $4 || ':' || e.id) FROM e`,
      [type, sessionId, JSON.stringify(payload), this.instanceId],
    );
    const event: DomainEvent<T> = {
      id: Number(row.id),
      type,
      sessionId,
      payload,
      createdAt: row.created_at,
    };
    this.recorded.push(event);
    return event;
  }
}

/**
 * The event backbone: services change state and record events in one transaction (the
 * transactional outbox); after commit the events go out on the in-process bus.
 */
@Injectable()
export class EventOutbox {
  private readonly logger = new Logger(EventOutbox.name);
  private readonly recent = new Set<number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventEmitter2,
    @Inject(INSTANCE_ID) readonly instanceId: string,
  ) {}

  async transaction<R>(work: (tx: OutboxTransaction) => Promise<R>): Promise<R> {
    const recorded: DomainEvent[] = [];
    const result = await this.dataSource.transaction((manager) =>
      work(new OutboxTransaction(manager, recorded, this.instanceId)),
    );
    recorded.forEach((event) => this.publish(event));
    return result;
  }

  /** Announces a committed event once. A failing listener never fails the caller's request. */
  publish(event: DomainEvent): void {
    if (this.recent.has(event.id)) return;
    this.recent.add(event.id);
    if (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.values().next().value!);
    try {
      this.bus.emit(event.type, event);
    } catch (error) {
      this.logger.error(`listener failed for event ${event.id} (${event.type}): ${String(error)}`);
    }
  }
}
