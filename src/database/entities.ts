import { EventRecord } from '../events/event.entity';

/** Every TypeORM entity, listed so the app, the CLI and the tests load the same set. */
export const entities = [EventRecord];
