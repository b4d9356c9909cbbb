import type { DataSource } from 'typeorm';
import { MAX_QUEUED_NOTIFIES, TransientEvents } from './transient-events';

/** A DataSource whose queries finish only when the test says so. */
function pendingQueries() {
  const started: { payload: string; finish: (error?: Error) => void }[] = [];
  const dataSource = {
    query: (_sql: string, [, payload]: [string, string]) =>
      new Promise<void>((resolve, reject) =>
        started.push({ payload, finish: (error) => (error ? reject(error) : resolve()) }),
      ),
  };
  return { dataSource: dataSource as unknown as DataSource, started };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('TransientEvents', () => {
  it('sends one NOTIFY at a time, in the order asked, so they arrive in that order', async () => {
    const { dataSource, started } = pendingQueries();
    const events = new TransientEvents(dataSource, 'me');
    const first = events.tell('presence', { n: 1 });
    const second = events.tell('presence', { n: 2 });
    await settle();
    expect(started.map((q) => q.payload)).toEqual(['me:{"note":"presence","data":{"n":1}}']);
    started[0].finish();
    await first;
    await settle();
    expect(started).toHaveLength(2);
    expect(started[1].payload).toBe('me:{"note":"presence","data":{"n":2}}');
    started[1].finish();
    await second;
  });

  it('goes on with the next NOTIFY after one fails, and tells the caller of the failure', async () => {
    const { dataSource, started } = pendingQueries();
    const events = new TransientEvents(dataSource, 'me');
    const first = events.tell('presence', { n: 1 });
    const second = events.tell('presence', { n: 2 });
    await settle();
    started[0].finish(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await settle();
    started[1].finish();
    await expect(second).resolves.toBeUndefined();
  });

  it('drops what comes past a backlog of NOTIFYs, and queues again once it clears', async () => {
    const { dataSource, started } = pendingQueries();
    const events = new TransientEvents(dataSource, 'me');
    const queued = Array.from({ length: MAX_QUEUED_NOTIFIES }, (_, n) =>
      events.tell('presence', { n }),
    );
    await expect(events.tell('presence', { n: 'one too many' })).resolves.toBeUndefined();
    for (let n = 0; n < MAX_QUEUED_NOTIFIES; n++) {
      await settle();
      started[n].finish();
      await queued[n];
    }
    const later = events.tell('presence', { n: 'later' });
    await settle();
    started[MAX_QUEUED_NOTIFIES].finish();
    await later;
    expect(started.map((q) => JSON.parse(q.payload.slice(3)).data.n)).toEqual([
      ...Array.from({ length: MAX_QUEUED_NOTIFIES }, (_, n) => n),
      'later',
    ]);
  });
});
