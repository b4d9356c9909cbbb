import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { longTransaction } from '../database/bounded-pool';
import { modify, type Queryable } from '../database/sql';
import type { DomainEvent, EventPosition, EventType } from './event-types';

interface StoredEvent {
  id: string;
  xid: string;
  type: EventType;
  session_id: number | null;
  payload: DomainEvent['payload'];
  created_at: Date;
}

const COLUMNS = 'id, xid::text AS xid, type, session_id, payload, created_at';
/**
 * Commit order. Qualified, because a bare `xid` in ORDER BY names the output column, which the
 * queries give as text: as text, xid 100 sorts before 99.
 */
const COMMIT_ORDER = 'events.xid, events.id';

/**
 * The commit-order watermark: the oldest transaction still running, in the statement's own
 * snapshot. Every event below it is committed (or never will be), and any event that commits
 * later belongs to a transaction at or above it, so it sorts after everything read below it.
 */
export const BELOW_WATERMARK = 'xid < pg_snapshot_xmin(pg_current_snapshot())';

const toDomainEvent = (row: StoredEvent): DomainEvent => ({
  id: Number(row.id),
  xid: row.xid,
  type: row.type,
  sessionId: row.session_id,
  payload: row.payload,
  createdAt: row.created_at,
});

/**
 * Every statement on the `events` table (the transactional outbox).
 *
 * Event ids come from a sequence, so they are handed out in one order and committed in
 * another. Readers therefore never page by id alone: they take events in (xid, id) order and
 * only below the watermark (BELOW_WATERMARK), so a reader that has seen an event can never
 * miss one that commits after it, without any lock between writers.
 */
@Injectable()
export class EventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores an event in the caller's transaction. */
  async insert(
    db: Queryable,
    type: EventType,
    sessionId: number | null,
    payload: unknown,
  ): Promise<{ id: number; xid: string; createdAt: Date }> {
    const [row] = await db.query<{ id: string; xid: string; created_at: Date }[]>(
      'INSERT INTO events (type, session_id, payload) VALUES ($1, $2, $3) RETURNING id, xid::text AS xid, created_at',
      [type, sessionId, JSON.stringify(payload)],
    );
    return { id: Number(row.id), xid: row.xid, createdAt: row.created_at };
  }

  async byIds(ids: number[]): Promise<DomainEvent[]> {
    const rows = await this.dataSource.query<StoredEvent[]>(
      `SELECT ${COLUMNS} FROM events WHERE id = ANY($1::bigint[]) ORDER BY ${COMMIT_ORDER}`,
      [ids],
    );
    return rows.map(toDomainEvent);
  }

  /**
   * Where "now" stands: every event committing from now on sorts after `position`. Events
   * that sort after it can already be committed, though: the watermark is the oldest
   * transaction still running anywhere on the server, and what committed after that one began
   * is visible yet above it. Those are `committed` (of one session, when given): history to a
   * reader starting here, not news.
   */
  async now(sessionId?: number): Promise<{ position: EventPosition; committed: EventPosition[] }> {
    const [row] = await this.dataSource.query<{ xid: string; committed: string[] }[]>(
      `WITH snap AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
       SELECT xmin::text AS xid,
              ARRAY(SELECT xid::text || ':' || id FROM events
                    WHERE xid >= snap.xmin AND ($1::int IS NULL OR session_id = $1)
                    ORDER BY ${COMMIT_ORDER}) AS committed
       FROM snap`,
      [sessionId ?? null],
    );
    const committed = row.committed.map((entry) => {
      const [xid, id] = entry.split(':');
      return { xid, id: Number(id) };
    });
    return { position: { xid: row.xid, id: 0 }, committed };
  }

  /** Where the committed events after `position` stand, in commit order, below the watermark. */
  async positionsAfter(position: EventPosition, limit: number): Promise<EventPosition[]> {
    const rows = await this.dataSource.query<{ xid: string; id: string }[]>(
      `SELECT xid::text AS xid, id FROM events
       WHERE (xid, id) > ($1::xid8, $2) AND ${BELOW_WATERMARK}
       ORDER BY ${COMMIT_ORDER} LIMIT $3`,
      [position.xid, position.id, limit],
    );
    return rows.map((r) => ({ xid: r.xid, id: Number(r.id) }));
  }

  /** Committed events of one session after `position`, in commit order, below the watermark. */
  async sessionAfter(
    sessionId: number,
    position: EventPosition,
    limit: number,
  ): Promise<DomainEvent[]> {
    const rows = await this.dataSource.query<StoredEvent[]>(
      `SELECT ${COLUMNS} FROM events
       WHERE session_id = $1 AND (xid, id) > ($2::xid8, $3) AND ${BELOW_WATERMARK}
       ORDER BY ${COMMIT_ORDER} LIMIT $4`,
      [sessionId, position.xid, position.id, limit],
    );
    return rows.map(toDomainEvent);
  }

  /**
   * Where a bot that saw event `id` resumes: that event's position. When it is no longer
   * stored (or never was), just before the session's first event with a higher id; undefined
   * when there is none (nothing to replay).
   */
  async resumePosition(sessionId: number, id: number): Promise<EventPosition | undefined> {
    const [row] = await this.dataSource.query<{ xid: string; id: string }[]>(
      `(SELECT xid::text AS xid, id FROM events WHERE id = $2)
       UNION ALL
       (SELECT xid::text, id - 1 FROM events WHERE session_id = $1 AND id > $2 ORDER BY ${COMMIT_ORDER} LIMIT 1)
       LIMIT 1`,
      [sessionId, id],
    );
    return row && { xid: row.xid, id: Number(row.id) };
  }

  /**
   * A session's events in (from, upTo], in commit order. `upTo` must be a position every event
   * before which is committed (a stream's), so no watermark is needed.
   */
  async sessionBetween(
    sessionId: number,
    from: EventPosition,
    upTo: EventPosition,
    limit: number,
  ): Promise<DomainEvent[]> {
    const rows = await this.dataSource.query<StoredEvent[]>(
      `SELECT ${COLUMNS} FROM events
       WHERE session_id = $1 AND (xid, id) > ($2::xid8, $3) AND (xid, id) <= ($4::xid8, $5)
       ORDER BY ${COMMIT_ORDER} LIMIT $6`,
      [sessionId, from.xid, from.id, upTo.xid, upTo.id, limit],
    );
    return rows.map(toDomainEvent);
  }

  /** How many connections named `application` listen on this database (instances' relays). */
  async listeners(application: string): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = $1`,
      [application],
    );
    return row.n;
  }

  /** Deletes events older than `hours`; answers how many went. */
  async deleteOlderThan(hours: number): Promise<number> {
    const { count } = await longTransaction(this.dataSource, (db) =>
      modify(db, 'DELETE FROM events WHERE created_at < now() - make_interval(hours => $1)', [
        hours,
      ]),
    );
    return count;
  }
}
