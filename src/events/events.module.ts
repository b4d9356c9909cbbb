import { Global, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventOutbox, INSTANCE_ID } from './event-outbox';
import { EventRelay } from './event-relay';
import { EventRetention } from './event-retention';

@Global()
@Module({
  providers: [
    { provide: INSTANCE_ID, useFactory: () => randomUUID() },
    EventOutbox,
    EventRelay,
    EventRetention,
  ],
  exports: [EventOutbox, INSTANCE_ID],
})
export class EventsModule {}
