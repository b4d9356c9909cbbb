import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Queryable, modify } from '../database/sql';
import type { DomainEvent, EventType } from './event-types';

/**
 * Advisory lock class (with the session id) taken before a session's event is inserted and held
 * to commit, so a session's event ids are committed in increasing order: a bot resuming after
 * the last id it saw cannot miss an earlier event that committed later.
 */
export const SESSION_EVENTS_LOCK = 7276;

interface StoredEvent {
  id: string;
  type: EventType;
  session_id: number | null;
  payload: DomainEvent['payload'];
  created_at: Date;
}

const COLUMNS = 'id, type, session_id, payload, created_at';

const toDomainEvent = (row: StoredEvent): DomainEvent => ({
  id: Number(row.id),
  type: row.type,
  sessionId: row.session_id,
  payload: row.payload,
  createdAt: row.created_at,
});

/** Every statement on the `events` table (the transactional outbox). */
@Injectable()
export class EventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores an event in the caller's transaction, after the session's ordering lock. */
  async insert(
    db: Queryable,
    type: EventType,
    sessionId: number | null,
    payload: unknown,
  ): Promise<{ id: number; createdAt: Date }> {
    if (sessionId !== null) {
      await db.query('SELECT pg_advisory_xact_lock($1, $2)', [SESSION_EVENTS_LOCK, sessionId]);
    }
    const [row] = await db.query<{ id: string; created_at: Date }[]>(
      'INSERT INTO events (type, session_id, payload) VALUES ($1, $2, $3) RETURNING id, created_at',
      [type, sessionId, JSON.stringify(payload)],
    );
    return { id: Number(row.id), createdAt: row.created_at };
  }

  async byIds(ids: number[]): Promise<DomainEvent[]> {
    const rows = await this.dataSource.query<StoredEvent[]>(
      `SELECT ${COLUMNS} FROM events WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [ids],
    );
    return rows.map(toDomainEvent);
  }

  async byId(id: number): Promise<DomainEvent | undefined> {
    return (await this.byIds([id]))[0];
  }

  /** The highest id stored (0 if none). */
  async newestId(): Promise<number> {
    const [row] = await this.dataSource.query<{ id: string }[]>(
      'SELECT coalesce(max(id), 0) AS id FROM events',
    );
    return Number(row.id);
  }

  /** Ids above `after`, oldest first. */
  async idsAfter(after: number): Promise<number[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      'SELECT id FROM events WHERE id > $1 ORDER BY id',
      [after],
    );
    return rows.map((r) => Number(r.id));
  }

  /** The id of the session's newest stored event (0 if none). */
  async newestSessionEventId(sessionId: number): Promise<number> {
    const [row] = await this.dataSource.query<{ id: string }[]>(
      'SELECT coalesce(max(id), 0) AS id FROM events WHERE session_id = $1',
      [sessionId],
    );
    return Number(row.id);
  }

  /** The session's stored events with ids in (after, upTo], oldest first, at most `limit`. */
  async sessionEventsBetween(
    sessionId: number,
    after: number,
    upTo: number,
    limit: number,
  ): Promise<DomainEvent[]> {
    const rows = await this.dataSource.query<StoredEvent[]>(
      `SELECT ${COLUMNS} FROM events
       WHERE session_id = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4`,
      [sessionId, after, upTo, limit],
    );
    return rows.map(toDomainEvent);
  }

  /** Deletes events older than `hours`; answers how many went. */
  async deleteOlderThan(hours: number): Promise<number> {
    const { count } = await modify(
      this.dataSource,
      'DELETE FROM events WHERE created_at < now() - make_interval(hours => $1)',
      [hours],
    );
    return count;
  }
}
