import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { EVENT_TYPES, type DomainEvent } from '../../src/events/event-types';
import type { TestApp } from './app';

/** Everything published on the bus from now on, and a look at the stored events. */
export function recordEvents(t: TestApp) {
  const published: DomainEvent[] = [];
  const bus = t.app.get(EventEmitter2);
  for (const type of EVENT_TYPES) bus.on(type, (event: DomainEvent) => published.push(event));
  return {
    published,
    clear: () => {
      published.length = 0;
    },
    stored: async (sinceId = 0) =>
      t.app
        .get(DataSource)
        .query<{ id: string; type: string; session_id: number; payload: any }[]>(
          'SELECT id, type, session_id, payload FROM events WHERE id > $1 ORDER BY id',
          [sinceId],
        ),
    lastId: async () => {
      const [row] = await t.app
        .get(DataSource)
        .query<{ id: string | null }[]>('SELECT max(id) AS id FROM events');
      return Number(row.id ?? 0);
    },
  };
}
