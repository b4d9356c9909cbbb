import { Global, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventAnnouncer } from './event-announcer';
import { EventBus } from './event-bus';
import { EventOutbox } from './event-outbox';
import { EventRelay } from './event-relay';
import { EventRetention } from './event-retention';
import { EventsRepository } from './events.repository';
import { INSTANCE_ID } from './instance';
import { TransientEvents } from './transient-events';

@Global()
@Module({
  providers: [
    { provide: INSTANCE_ID, useFactory: () => randomUUID() },
    EventsRepository,
    EventBus,
    EventAnnouncer,
    EventOutbox,
    EventRelay,
    EventRetention,
    TransientEvents,
  ],
  exports: [EventOutbox, EventBus, EventsRepository, INSTANCE_ID, TransientEvents],
})
export class EventsModule {}
