import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, EntityManager } from 'typeorm';
import type { DomainEvent, EventPayloads, EventType } from './event-types';

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
 * transactional outbox); after commit the events go out on the in-process bus.
 */
@Injectable()
export class EventOutbox {
  private readonly logger = new Logger(EventOutbox.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventEmitter2,
  ) {}

  async transaction<R>(work: (tx: OutboxTransaction) => Promise<R>): Promise<R> {
    const recorded: DomainEvent[] = [];
    const result = await this.dataSource.transaction((manager) =>
      work(new OutboxTransaction(manager, recorded)),
    );
    recorded.forEach((event) => this.publish(event));
    return result;
  }

  /** Announces a committed event. A failing listener never fails the caller's request. */
  publish(event: DomainEvent): void {
    try {
      this.bus.emit(event.type, event);
    } catch (error) {
      this.logger.error(`listener failed for event ${event.id} (${event.type}): ${String(error)}`);
    }
  }
}
