import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Metrics } from '../metrics/metrics';
import { EventAnnouncer } from './event-announcer';
import { EventBus } from './event-bus';
import type { DomainEvent, EventPayloads, EventType } from './event-types';
import { EventsRepository } from './events.repository';
import { RecentIds } from './recent-ids';

/** How many published event ids are remembered to keep a late duplicate from going out twice. */
export const RECENT_IDS = 10_000;

/** A transaction in progress, through which a service records the events its change causes. */
export class OutboxTransaction {
  constructor(
    readonly manager: EntityManager,
    private readonly events: EventsRepository,
    private readonly recorded: DomainEvent[],
  ) {}

  /** Stores the event in this transaction; it is published only if the transaction commits. */
  async record<T extends EventType>(
    type: T,
    sessionId: number | null,
    payload: EventPayloads[T],
  ): Promise<DomainEvent<T>> {
    const { id, xid, createdAt } = await this.events.insert(this.manager, type, sessionId, payload);
    const event: DomainEvent<T> = { id, xid, type, sessionId, payload, createdAt };
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
  private readonly recent = new RecentIds(RECENT_IDS);

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventsRepository,
    private readonly bus: EventBus,
    private readonly announcer: EventAnnouncer,
    private readonly metrics: Metrics,
  ) {}

  async transaction<R>(work: (tx: OutboxTransaction) => Promise<R>): Promise<R> {
    const recorded: DomainEvent[] = [];
    const result = await this.dataSource.transaction((manager) =>
      work(new OutboxTransaction(manager, this.events, recorded)),
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
    this.metrics.eventPublished(event.type);
    this.emit(event);
    this.announcer.announce(event.id);
  }

  /** Whether an event was already published here. */
  seen(id: number): boolean {
    return this.recent.has(id);
  }

  /** Puts a committed event on this instance's bus, once. Returns false for one already published. */
  emit(event: DomainEvent): boolean {
    if (!this.recent.add(event.id)) return false;
    this.bus.publish(event);
    return true;
  }
}
