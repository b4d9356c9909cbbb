import { Global, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventAnnouncer } from './event-announcer';
import { EventOutbox } from './event-outbox';
import { EventRelay } from './event-relay';
import { EventRetention } from './event-retention';
import { INSTANCE_ID } from './instance';

@Global()
@Module({
  providers: [
    { provide: INSTANCE_ID, useFactory: () => randomUUID() },
    EventAnnouncer,
    EventOutbox,
    EventRelay,
    EventRetention,
  ],
  exports: [EventOutbox],
})
export class EventsModule {}
