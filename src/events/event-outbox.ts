import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, EntityManager } from 'typeorm';
import { EventAnnouncer } from './event-announcer';
import type { DomainEvent, EventPayloads, EventType } from './event-types';

/**
 * Advisory lock class (with the session id) taken before a session's event is inserted and held
 * to commit, so a session's event ids are committed in increasing order: a bot resuming after
 * the last id it saw cannot miss an earlier event that committed later.
 */
export const SESSION_EVENTS_LOCK = 7276;

/** How many published event ids are remembered to keep a late duplicate from going out twice. */
export const RECENT_IDS = 10_000;

interface EventRow {
  id: string;
  created_at: Date;
}

/** A transaction in progress, through which a service records the events its change causes. */
export class OutboxTransaction {
  constructor(
    readonly manager: EntityManager,
    private readonly recorded: DomainEvent[],
  ) {}

  /** Stores the event in this transaction; it is published only if the transaction commits. */
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
      'INSERT INTO events (type, session_id, payload) VALUES ($1, $2, $3) RETURNING id, created_at',
      [type, sessionId, JSON.stringify(payload)],
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
 * transactional outbox); after commit the events go out on the in-process bus and are
 * announced to the other instances.
 */
@Injectable()
export class EventOutbox {
  private readonly logger = new Logger(EventOutbox.name);
  private readonly recent = new Set<number>();
  /** The highest event id published here, from this instance or another. */
  highestId = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventEmitter2,
    private readonly announcer: EventAnnouncer,
  ) {}

  async transaction<R>(work: (tx: OutboxTransaction) => Promise<R>): Promise<R> {
    const recorded: DomainEvent[] = [];
    const result = await this.dataSource.transaction((manager) =>
      work(new OutboxTransaction(manager, recorded)),
    );
    recorded.forEach((event) => this.publish(event));
    return result;
  }

  /**
   * Publishes an event this instance committed, here and (announced) on the other instances.
   * Announced even when this instance's look-back already found and emitted it, or the other
   * instances would hear of it only through their own look-back, late and out of order.
   */
  publish(event: DomainEvent): void {
    this.emit(event);
    this.announcer.announce(event.id);
  }

  /** Whether an event was already published here. */
  seen(id: number): boolean {
    return this.recent.has(id);
  }

  /**
   * Puts a committed event on this instance's bus, once. A failing listener never fails the
   * caller's request. Returns false for an event already published.
   */
  emit(event: DomainEvent): boolean {
    if (this.recent.has(event.id)) return false;
    this.recent.add(event.id);
    if (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.values().next().value!);
    this.highestId = Math.max(this.highestId, event.id);
    try {
      this.bus.emit(event.type, event);
    } catch (error) {
      this.logger.error(`listener failed for event ${event.id} (${event.type}): ${String(error)}`);
    }
    return true;
  }
}
