import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  EVENT_REGISTRY,
  EVENT_TYPES,
  type DomainEvent,
  type EventDefinition,
  type EventType,
} from './event-types';

/**
 * The in-process bus for committed events. Consumers subscribe by what the registry says of an
 * event (its audience, its webhook flag), never by spelling event names, so a new event type
 * reaches every consumer that should hear of it without editing them.
 */
@Injectable()
export class EventBus {
  private readonly logger = new Logger(EventBus.name);

  constructor(private readonly emitter: EventEmitter2) {}

  subscribe(
    wants: (definition: EventDefinition, type: EventType) => boolean,
    handler: (event: DomainEvent) => void,
  ): void {
    for (const type of EVENT_TYPES) {
      if (!wants(EVENT_REGISTRY[type], type)) continue;
      this.emitter.on(type, (event: DomainEvent) => {
        // One failing consumer must neither fail the request nor starve the others.
        try {
          handler(event);
        } catch (error) {
          this.logger.error(
            `a consumer of ${event.type} failed on event ${event.id}: ${String(error)}`,
          );
        }
      });
    }
  }

  publish(event: DomainEvent): void {
    this.emitter.emit(event.type, event);
  }
}
