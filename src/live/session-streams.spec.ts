import type { DataSource } from 'typeorm';
import type { DomainEvent } from '../events/event-types';
import { EventsRepository } from '../events/events.repository';
import { SessionStreams } from './session-streams';

/** A stand-in for the events table of one session: answers the two queries the streams send. */
function fakeEvents(ids: number[], failures = 0) {
  const calls: unknown[][] = [];
  let failing = failures;
  const query = (sql: string, params: unknown[]) => {
    calls.push(params);
    if (sql.includes('max(id)')) return Promise.resolve([{ id: String(Math.max(0, ...ids)) }]);
    if (failing-- > 0) return Promise.reject(new Error('connection lost'));
    const [, after, upTo] = params as number[];
    return Promise.resolve(
      ids
        .filter((id) => id > after && id <= upTo)
        .map((id) => ({ id: String(id), type: 'vote.received', session_id: 1, payload: {} })),
    );
  };
  return { events: new EventsRepository({ query } as unknown as DataSource), calls, ids };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SessionStreams', () => {
  it('starts after the stored events and delivers later ones in id order, whatever the signal order', async () => {
    const table = fakeEvents([3, 7]);
    const delivered: number[] = [];
    const streams = new SessionStreams(table.events, (e: DomainEvent) => delivered.push(e.id));
    await streams.watch(1, 0);
    table.ids.push(9, 12, 15);
    streams.signal(1, 15); // arrives first, though 9 and 12 committed before it
    streams.signal(1, 9);
    streams.signal(1, 12);
    await settle();
    expect(delivered).toEqual([9, 12, 15]);
  });

  it('retries a read that failed, and stops once unwatched', async () => {
    jest.useFakeTimers();
    try {
      const table = fakeEvents([], 1);
      const delivered: number[] = [];
      const streams = new SessionStreams(table.events, (e: DomainEvent) => delivered.push(e.id));
      await streams.watch(1, 0);
      table.ids.push(4);
      streams.signal(1, 4);
      await jest.advanceTimersByTimeAsync(0);
      expect(delivered).toEqual([]);
      await jest.advanceTimersByTimeAsync(600);
      expect(delivered).toEqual([4]);

      streams.unwatch(1);
      table.ids.push(5);
      streams.signal(1, 5);
      await jest.advanceTimersByTimeAsync(600);
      expect(delivered).toEqual([4]);
    } finally {
      jest.useRealTimers();
    }
  });
});
