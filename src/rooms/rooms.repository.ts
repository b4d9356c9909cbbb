import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { modify } from '../database/sql';

/**
 * Every statement on `room_monitor_leases`: which instance watches which session game's room.
 * An owner renews its leases while it lives; an expired lease may be taken by anyone.
 */
@Injectable()
export class RoomsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Takes or renews the lease; false while another instance holds it. */
  async acquire(
    sessionGameId: number,
    roomCode: string,
    owner: string,
    leaseMs: number,
  ): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `INSERT INTO room_monitor_leases AS l (session_game_id, room_code, owner, expires_at)
       VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
       ON CONFLICT (session_game_id) DO UPDATE
         SET room_code = excluded.room_code, owner = excluded.owner, expires_at = excluded.expires_at
         WHERE l.owner = excluded.owner OR l.expires_at < now()
       RETURNING 1`,
      [sessionGameId, roomCode, owner, leaseMs],
    );
    return rows.length > 0;
  }

  /** Renews the owner's leases; answers the ids it still holds. */
  async renew(sessionGameIds: number[], owner: string, leaseMs: number): Promise<number[]> {
    if (sessionGameIds.length === 0) return [];
    const { rows } = await modify<{ session_game_id: number }>(
      this.dataSource,
      `UPDATE room_monitor_leases SET expires_at = now() + $3 * interval '1 millisecond'
       WHERE session_game_id = ANY($1) AND owner = $2
       RETURNING session_game_id`,
      [sessionGameIds, owner, leaseMs],
    );
    return rows.map((r) => r.session_game_id);
  }

  async release(sessionGameId: number, owner: string): Promise<void> {
    await this.dataSource.query(
      'DELETE FROM room_monitor_leases WHERE session_game_id = $1 AND owner = $2',
      [sessionGameId, owner],
    );
  }

  /** Ends the lease whoever holds it: its owner stops watching at its next renewal. */
  async releaseAny(sessionGameId: number): Promise<void> {
    await this.dataSource.query('DELETE FROM room_monitor_leases WHERE session_game_id = $1', [
      sessionGameId,
    ]);
  }

  /** Of these session games, those whose lease is held by someone (not expired). */
  async held(sessionGameIds: number[]): Promise<Set<number>> {
    if (sessionGameIds.length === 0) return new Set();
    const rows = await this.dataSource.query<{ session_game_id: number }[]>(
      `SELECT session_game_id FROM room_monitor_leases
       WHERE session_game_id = ANY($1) AND expires_at >= now()`,
      [sessionGameIds],
    );
    return new Set(rows.map((r) => r.session_game_id));
  }
}
