import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { EventAnnouncer, EVENTS_CHANNEL } from '../src/events/event-announcer';
import { RELAY_APPLICATION_NAME } from '../src/events/event-relay';
import { EventOutbox } from '../src/events/event-outbox';
import { EventRetention } from '../src/events/event-retention';
import { WebhookRetention } from '../src/webhooks/webhook-retention';
import type { DomainEvent } from '../src/events/event-types';
import { startTestApp, type TestApp } from './support/app';
import { waitUntil } from './support/factories';

describe('event outbox', () => {
  let t: TestApp;
  let outbox: EventOutbox;
  let dataSource: DataSource;
  const heard: DomainEvent[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    outbox = t.app.get(EventOutbox);
    dataSource = t.app.get(DataSource);
    t.app.get(EventEmitter2).on('session.started', (event: DomainEvent) => heard.push(event));
  });
  afterAll(() => t.close());
  beforeEach(() => {
    heard.length = 0;
  });

  const payload = {
    session: { id: 7, is_active: true, created_at: '2026-11-27T20:00:00.000Z', notes: null },
  };
  const stored = () =>
    dataSource.query('SELECT id, type, session_id, payload FROM events ORDER BY id');

  it('stores and publishes an event whose transaction commits', async () => {
    const [{ id: before }] = await dataSource.query(
      'SELECT coalesce(max(id), 0)::int AS id FROM events',
    );
    const event = await outbox.transaction(async (tx) => {
      await tx.manager.query('SELECT 1');
      return tx.record('session.started', 7, payload);
    });
    expect(heard).toEqual([event]);
    expect(event).toMatchObject({ type: 'session.started', sessionId: 7, payload });
    expect((await stored()).filter((e: { id: string }) => Number(e.id) > before)).toEqual([
      { id: String(event.id), type: 'session.started', session_id: 7, payload },
    ]);
  });

  it('neither stores nor publishes an event whose transaction rolls back', async () => {
    const before = await stored();
    await expect(
      outbox.transaction(async (tx) => {
        await tx.record('session.started', 8, payload);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(heard).toEqual([]);
    expect(await stored()).toEqual(before);
  });

  it('publishes only after commit, so a listener sees the committed row', async () => {
    // What the listener's own query (on another connection) saw when the event reached it.
    let visibleToOthers: Promise<unknown[]> | undefined;
    const listener = (event: DomainEvent) => {
      visibleToOthers = dataSource.query('SELECT id FROM events WHERE id = $1', [event.id]);
    };
    t.app.get(EventEmitter2).once('session.started', listener);
    const event = await outbox.transaction((tx) => tx.record('session.started', 9, payload));
    await waitUntil(() => visibleToOthers !== undefined);
    expect(await visibleToOthers).toEqual([{ id: String(event.id) }]);
  });

  it('announces an event it committed even when its own look-back emitted it first', async () => {
    // Another instance's relay: it makes this one announce (alone, an instance does not).
    const listener = new Client({
      connectionString: t.config.databaseUrl,
      application_name: RELAY_APPLICATION_NAME,
    });
    await listener.connect();
    try {
      await waitUntil(() => t.app.get(EventAnnouncer).announcing);
      const heardIds: string[] = [];
      listener.on('notification', (n) => heardIds.push(n.payload ?? ''));
      await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
      const [row] = await dataSource.query(
        `INSERT INTO events (type, session_id, payload) VALUES ('session.started', 10, $1) RETURNING id, xid::text AS xid, created_at`,
        [JSON.stringify(payload)],
      );
      const event = {
        id: Number(row.id),
        xid: row.xid as string,
        type: 'session.started' as const,
        sessionId: 10,
        payload,
        createdAt: row.created_at,
      };
      outbox.emit(event); // what the look-back does when it finds the row first
      outbox.publish(event); // what the committing request does a moment later
      await waitUntil(() => heardIds.some((p) => p.endsWith(`:${event.id}`)));
      expect(heard).toEqual([event]);
    } finally {
      await listener.end();
    }
  });

  it('a starting instance treats the events already stored as history, never relaying them', async () => {
    const [{ id }] = await dataSource.query('SELECT max(id)::int AS id FROM events');
    const second = await startTestApp({}, t.database);
    try {
      const relayed: DomainEvent[] = [];
      second.app.get(EventEmitter2).on('session.started', (e: DomainEvent) => relayed.push(e));
      // The marker: an event stored after the start with no announcement, which only the
      // relay's look-back finds, the same way it would find the history, and in id order.
      const [marker] = await dataSource.query(
        `INSERT INTO events (type, session_id, payload) VALUES ('session.started', 12, $1) RETURNING id::int AS id`,
        [JSON.stringify(payload)],
      );
      await waitUntil(() => relayed.length > 0);
      expect(relayed.map((e) => e.id)).toEqual([marker.id]);
      expect(second.app.get(EventOutbox).seen(id)).toBe(false);
    } finally {
      await second.close();
    }
  });

  it('a starting instance treats as history what committed while an older transaction was still open', async () => {
    // The watermark is the oldest running transaction on the server: an event committed after
    // it began sorts after the new instance's start, yet it is history all the same.
    const older = new Client({ connectionString: t.database.url });
    await older.connect();
    try {
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()');
      const [before] = await dataSource.query(
        `INSERT INTO events (type, session_id, payload) VALUES ('session.started', 13, $1) RETURNING id::int AS id`,
        [JSON.stringify(payload)],
      );
      const second = await startTestApp({}, t.database);
      try {
        const relayed: DomainEvent[] = [];
        second.app.get(EventEmitter2).on('session.started', (e: DomainEvent) => relayed.push(e));
        await older.query('COMMIT');
        const [marker] = await dataSource.query(
          `INSERT INTO events (type, session_id, payload) VALUES ('session.started', 14, $1) RETURNING id::int AS id`,
          [JSON.stringify(payload)],
        );
        await waitUntil(() => relayed.length > 0);
        expect(relayed.map((e) => e.id)).toEqual([marker.id]);
        expect(relayed.map((e) => e.id)).not.toContain(before.id);
      } finally {
        await second.close();
      }
    } finally {
      await older.end();
    }
  });

  it('the retention sweep deletes old events and old finished deliveries, and nothing else', async () => {
    const hours = t.config.eventRetentionHours;
    const [{ id: hook }] = await dataSource.query(
      `INSERT INTO webhooks (name, url, secret, events) VALUES ('Old', 'http://127.0.0.1:9/', 's', '{}') RETURNING id`,
    );
    const event = async (ageHours: number) =>
      (
        await dataSource.query(
          `INSERT INTO events (type, session_id, payload, created_at)
           VALUES ('session.started', 11, $1, now() - make_interval(hours => $2)) RETURNING id::int AS id`,
          [JSON.stringify(payload), ageHours],
        )
      )[0].id as number;
    const delivery = async (eventId: number, status: string, ageHours: number) =>
      (
        await dataSource.query(
          `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, status, next_attempt_at, created_at)
           VALUES ($1, $2, 'session.started', $3, now() + interval '1 day', now() - make_interval(hours => $4))
           RETURNING id::int AS id`,
          [hook, eventId, status, ageHours],
        )
      )[0].id as number;
    const old = [await event(hours + 1), await event(hours + 1)];
    const kept = await event(hours - 1);
    await delivery(old[0], 'delivered', hours + 1);
    const oldPending = await delivery(old[1], 'pending', hours + 1);
    const recentFailed = await delivery(kept, 'failed', hours - 1);
    try {
      expect(await t.app.get(WebhookRetention).sweep()).toBe(1);
      expect(await t.app.get(EventRetention).sweep()).toBe(2);
      const events = await dataSource.query('SELECT id::int AS id FROM events WHERE id = ANY($1)', [
        [...old, kept],
      ]);
      expect(events).toEqual([{ id: kept }]);
      const deliveries = await dataSource.query(
        'SELECT id::int AS id, event_id::int AS event_id FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id',
        [hook],
      );
      expect(deliveries).toEqual([
        { id: oldPending, event_id: null },
        { id: recentFailed, event_id: kept },
      ]);
    } finally {
      await dataSource.query('DELETE FROM webhooks WHERE id = $1', [hook]);
    }
  });
});
