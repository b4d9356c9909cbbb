import { comparePositions, type DomainEvent, type EventPosition } from '../events/event-types';
import { SessionStreams, type StreamEvents } from './session-streams';

interface Row {
  xid: number;
  id: number;
  committed: boolean;
  /** A transaction that writes no event of the session (another session, another database). */
  foreign?: boolean;
}

/**
 * A stand-in for one session's events table with PostgreSQL's watermark: the oldest
 * transaction still running. Only committed rows below it are readable.
 */
function fakeTable(failures = 0) {
  const rows: Row[] = [];
  let failing = failures;
  let nextXid = 100;
  const watermark = () => Math.min(nextXid, ...rows.filter((r) => !r.committed).map((r) => r.xid));
  const events: StreamEvents = {
    now: () =>
      Promise.resolve({
        position: { xid: String(watermark()), id: 0 },
        committed: rows
          .filter((r) => !r.foreign && r.committed && r.xid >= watermark())
          .map((r) => ({ xid: String(r.xid), id: r.id })),
      }),
    sessionAfter: (_session: number, after: EventPosition, limit: number) => {
      if (failing-- > 0) return Promise.reject(new Error('connection lost'));
      const visible = rows
        .filter((r) => !r.foreign && r.committed && r.xid < watermark())
        .map((r) => ({ xid: String(r.xid), id: r.id }))
        .filter((p) => comparePositions(p, after) > 0)
        .sort(comparePositions)
        .slice(0, limit)
        .map((p) => ({
          ...p,
          type: 'vote.received',
          sessionId: 1,
          payload: {},
          createdAt: new Date(),
        }));
      return Promise.resolve(visible as unknown as DomainEvent[]);
    },
  };
  return {
    events,
    /** Starts a transaction that writes no event of the session; answers its commit. */
    hold() {
      const row: Row = { xid: nextXid++, id: 0, committed: false, foreign: true };
      rows.push(row);
      return () => void (row.committed = true);
    },
    /** Starts a transaction that writes event `id`; answers its position once committed. */
    begin(id: number) {
      const row: Row = { xid: nextXid++, id, committed: false };
      rows.push(row);
      return () => {
        row.committed = true;
        return { xid: String(row.xid), id };
      };
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SessionStreams', () => {
  it('starts after what is committed and delivers later events in commit order, whatever the signal order', async () => {
    const table = fakeTable();
    table.begin(1)();
    const delivered: number[] = [];
    const streams = new SessionStreams(table.events, (e: DomainEvent) => delivered.push(e.id));
    await streams.watch(1);
    const commits = [table.begin(9), table.begin(12), table.begin(15)].map((commit) => commit());
    streams.signal(1, commits[2]);
    streams.signal(1, commits[0]);
    streams.signal(1, commits[1]);
    await settle();
    expect(delivered).toEqual([9, 12, 15]);
  });

  it('holds back an event until every older transaction has finished, then sends both in commit order', async () => {
    jest.useFakeTimers();
    try {
      const table = fakeTable();
      const delivered: number[] = [];
      const streams = new SessionStreams(table.events, (e: DomainEvent) => delivered.push(e.id));
      await streams.watch(1);
      const slow = table.begin(20); // takes its id first and commits last
      const fast = table.begin(21)();
      streams.signal(1, fast);
      await jest.advanceTimersByTimeAsync(50);
      expect(delivered).toEqual([]);
      streams.signal(1, slow());
      await jest.advanceTimersByTimeAsync(300);
      expect(delivered).toEqual([20, 21]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('delivers an event committed before it began but held above the watermark by another transaction', async () => {
    jest.useFakeTimers();
    try {
      const table = fakeTable();
      const elsewhere = table.hold(); // a transaction of another session, still open
      table.begin(30)(); // committed, signalled to nobody: no stream watched the session yet
      const delivered: number[] = [];
      const streams = new SessionStreams(table.events, (e: DomainEvent) => delivered.push(e.id));
      await streams.watch(1);
      await jest.advanceTimersByTimeAsync(50);
      expect(delivered).toEqual([]);
      elsewhere();
      await jest.advanceTimersByTimeAsync(300);
      expect(delivered).toEqual([30]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('ignores a signal for an event committed before the stream began', async () => {
    const table = fakeTable();
    const old = table.begin(3)();
    const delivered: number[] = [];
    const streams = new SessionStreams(table.events, (e: DomainEvent) => delivered.push(e.id));
    await streams.watch(1);
    streams.signal(1, old);
    streams.signal(1, table.begin(4)());
    await settle();
    expect(delivered).toEqual([4]);
  });

  it('delivers an event that committed before the stream began while an older transaction was still open', async () => {
    jest.useFakeTimers();
    try {
      const table = fakeTable();
      const older = table.begin(30); // still open when the stream begins
      table.begin(31)(); // committed, yet above the watermark the older one holds down
      const delivered: number[] = [];
      const streams = new SessionStreams(table.events, (e: DomainEvent) => delivered.push(e.id));
      await streams.watch(1);
      older(); // commits with no signal heard: event 31's own signal came before the stream
      await jest.advanceTimersByTimeAsync(300);
      expect(delivered).toEqual([30, 31]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('retries a read that failed, and stops once unwatched', async () => {
    jest.useFakeTimers();
    try {
      const table = fakeTable(1);
      const delivered: number[] = [];
      const streams = new SessionStreams(table.events, (e: DomainEvent) => delivered.push(e.id));
      await streams.watch(1);
      streams.signal(1, table.begin(4)());
      await jest.advanceTimersByTimeAsync(0);
      expect(delivered).toEqual([]);
      await jest.advanceTimersByTimeAsync(600);
      expect(delivered).toEqual([4]);

      streams.unwatch(1);
      streams.signal(1, table.begin(5)());
      await jest.advanceTimersByTimeAsync(600);
      expect(delivered).toEqual([4]);
    } finally {
      jest.useRealTimers();
    }
  });
});
