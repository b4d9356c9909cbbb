import type { DataSource } from 'typeorm';
import { toDomainEvent } from '../events/event-relay';
import type { DomainEvent } from '../events/event-types';

/** The id of the session's newest stored event (0 if none). */
export async function newestSessionEventId(db: DataSource, sessionId: number): Promise<number> {
  const [row] = await db.query<{ id: string }[]>(
    'SELECT coalesce(max(id), 0) AS id FROM events WHERE session_id = $1',
    [sessionId],
  );
  return Number(row.id);
}

/** The session's stored events with ids in (after, upTo], oldest first, at most `limit`. */
export async function sessionEventsBetween(
  db: DataSource,
  sessionId: number,
  after: number,
  upTo: number,
  limit: number,
): Promise<DomainEvent[]> {
  const rows = await db.query<Parameters<typeof toDomainEvent>[0][]>(
    `SELECT id, type, session_id, payload, created_at FROM events
     WHERE session_id = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT ${limit}`,
    [sessionId, after, upTo],
  );
  return rows.map(toDomainEvent);
}
