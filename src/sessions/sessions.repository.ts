import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { modify, type Queryable } from '../database/sql';
import type { SessionDto, SessionGameDto, SessionListItemDto } from './dto/session.dto';

const SESSION_COLUMNS = `s.id, s.notes, s.is_active, s.created_at, s.closed_at,
  (SELECT count(*) FROM session_games sg WHERE sg.session_id = s.id)::int AS games_played`;

/** A session game with the catalog fields a client shows beside it. */
const SESSION_GAME_COLUMNS = `sg.id, sg.session_id, sg.game_id, sg.played_at, sg.status, sg.manually_added, sg.source,
  sg.room_code, sg.player_count, sg.app_tag, sg.room_max_players, sg.lobby_state, sg.monitoring,
  sg.monitor_reason, sg.game_started_at, sg.game_ended_at, g.title, g.pack_name, g.min_players, g.max_players, g.game_type,
  g.family_friendly, g.ticker, g.upvotes, g.downvotes, g.popularity_score`;
const SESSION_GAMES_FROM = 'session_games sg JOIN games_with_votes g ON g.id = sg.game_id';

export type SessionGameStatus = SessionGameDto['status'];
export type SessionGameChange = Partial<
  Pick<SessionGameDto, 'status' | 'room_code' | 'player_count'>
>;

/** What a room monitor learned of a session game's room. */
export interface RoomFacts {
  app_tag: string | null;
  room_max_players: number | null;
  lobby_state: string | null;
  /** 0 before anyone was seen: the stored count is then left alone. */
  player_count: number;
}

/** Every statement on `sessions` and `session_games`. */
@Injectable()
export class SessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async exists(id: number): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>('SELECT 1 FROM sessions WHERE id = $1', [
      id,
    ]);
    return rows.length > 0;
  }

  async insert(db: Queryable, notes: string | null): Promise<number> {
    const [{ id }] = await db.query<{ id: number }[]>(
      'INSERT INTO sessions (notes) VALUES ($1) RETURNING id',
      [notes],
    );
    return id;
  }

  /**
   * One session. With `lock`, its row is locked for the rest of the transaction, which orders
   * the changes of one session: NO KEY UPDATE, not UPDATE, so that live votes (whose foreign-key
   * checks take KEY SHARE on this row) never wait for it. Locked first and read after, so the
   * counts are not from before the lock wait.
   */
  async find(
    id: number,
    db: Queryable = this.dataSource,
    lock = false,
  ): Promise<SessionDto | undefined> {
    if (lock) await db.query('SELECT 1 FROM sessions WHERE id = $1 FOR NO KEY UPDATE', [id]);
    const [session] = await db.query<SessionDto[]>(
      `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.id = $1`,
      [id],
    );
    return session;
  }

  async findActive(): Promise<SessionDto | undefined> {
    const [session] = await this.dataSource.query<SessionDto[]>(
      `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.is_active`,
    );
    return session;
  }

  async count(): Promise<number> {
    const [{ total }] = await this.dataSource.query<{ total: number }[]>(
      'SELECT count(*)::int AS total FROM sessions',
    );
    return total;
  }

  /** A page of sessions, newest first, with a notes preview instead of the notes. */
  page(limit: number | undefined, offset: number): Promise<SessionListItemDto[]> {
    return this.dataSource.query<SessionListItemDto[]>(
      `SELECT s.id, s.is_active, s.created_at, s.closed_at,
              (SELECT count(*) FROM session_games sg WHERE sg.session_id = s.id)::int AS games_played,
              coalesce(btrim(s.notes), '') <> '' AS has_notes,
              nullif(left(split_part(btrim(s.notes), E'\\n\\n', 1), 150), '') AS notes_preview
       FROM sessions s ORDER BY s.created_at DESC, s.id DESC LIMIT $1 OFFSET $2`,
      [limit ?? null, offset],
    );
  }

  /** When the session at `offset` (newest first) was created. */
  async createdAtOffset(offset: number): Promise<Date | undefined> {
    const [row] = await this.dataSource.query<{ created_at: Date }[]>(
      'SELECT created_at FROM sessions ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $1',
      [offset],
    );
    return row?.created_at;
  }

  /** Closes the session; its playing game counts as played. */
  async close(db: Queryable, id: number, notes: string | null): Promise<void> {
    await db.query(
      'UPDATE sessions SET is_active = false, closed_at = now(), notes = coalesce($2, notes) WHERE id = $1',
      [id, notes],
    );
    await this.endPlaying(db, id);
  }

  async setNotes(id: number, notes: string | null): Promise<boolean> {
    const { count } = await modify(
      this.dataSource,
      'UPDATE sessions SET notes = $2 WHERE id = $1',
      [id, notes],
    );
    return count > 0;
  }

  async remove(db: Queryable, id: number): Promise<void> {
    await db.query('DELETE FROM sessions WHERE id = $1', [id]);
  }

  /** The games of a session, in play order. */
  games(sessionId: number, db: Queryable = this.dataSource): Promise<SessionGameDto[]> {
    return db.query(
      `SELECT ${SESSION_GAME_COLUMNS} FROM ${SESSION_GAMES_FROM} WHERE sg.session_id = $1 ORDER BY sg.played_at, sg.id`,
      [sessionId],
    );
  }

  async findGame(
    sessionId: number,
    sessionGameId: number,
    db: Queryable = this.dataSource,
  ): Promise<SessionGameDto | undefined> {
    const [row] = await db.query<SessionGameDto[]>(
      `SELECT ${SESSION_GAME_COLUMNS} FROM ${SESSION_GAMES_FROM} WHERE sg.id = $1 AND sg.session_id = $2`,
      [sessionGameId, sessionId],
    );
    return row;
  }

  /** Adds a game as `playing`, at the time it commits in the session's order. */
  async insertGame(
    db: Queryable,
    sessionId: number,
    game: {
      game_id: number;
      manually_added: boolean;
      room_code: string | null;
      source: SessionGameDto['source'];
    },
  ): Promise<number> {
    const [{ id }] = await db.query<{ id: number }[]>(
      `INSERT INTO session_games (session_id, game_id, played_at, status, manually_added, room_code, source)
       VALUES ($1, $2, clock_timestamp(), 'playing', $3, $4, $5) RETURNING id`,
      [sessionId, game.game_id, game.manually_added, game.room_code, game.source],
    );
    return id;
  }

  /** The session's playing game (other than `except`) becomes played: one plays at a time. */
  async endPlaying(db: Queryable, sessionId: number, except?: number): Promise<void> {
    await db.query(
      `UPDATE session_games SET status = 'played'
       WHERE session_id = $1 AND status = 'playing' AND id IS DISTINCT FROM $2`,
      [sessionId, except ?? null],
    );
  }

  async updateGame(db: Queryable, sessionGameId: number, change: SessionGameChange): Promise<void> {
    const [column, value] = Object.entries(change)[0];
    if (!['status', 'room_code', 'player_count'].includes(column)) return;
    await db.query(`UPDATE session_games SET ${column} = $2 WHERE id = $1`, [sessionGameId, value]);
  }

  async saveRoomFacts(db: Queryable, sessionGameId: number, facts: RoomFacts): Promise<void> {
    await db.query(
      `UPDATE session_games
       SET app_tag = coalesce($2, app_tag), room_max_players = coalesce($3, room_max_players),
           lobby_state = coalesce($4, lobby_state),
           player_count = CASE WHEN $5 > 0 THEN $5 ELSE player_count END
       WHERE id = $1`,
      [sessionGameId, facts.app_tag, facts.room_max_players, facts.lobby_state, facts.player_count],
    );
  }

  /** Whether a room monitor watches the game now, and why it stopped when it does not. */
  async setMonitoring(
    sessionGameId: number,
    monitoring: boolean,
    reason: string | null,
    db: Queryable = this.dataSource,
  ): Promise<void> {
    await db.query('UPDATE session_games SET monitoring = $2, monitor_reason = $3 WHERE id = $1', [
      sessionGameId,
      monitoring,
      reason,
    ]);
  }

  /** Playing games with a room code that a room monitor should be watching. */
  monitoredGames(
    db: Queryable = this.dataSource,
  ): Promise<{ id: number; session_id: number; room_code: string }[]> {
    return db.query(
      `SELECT sg.id, sg.session_id, sg.room_code FROM session_games sg
       WHERE sg.monitoring AND sg.status = 'playing' AND sg.room_code IS NOT NULL`,
    );
  }

  /** Marks the room's game started; false when it already was (announced once, by anyone). */
  async markGameStarted(db: Queryable, sessionGameId: number): Promise<boolean> {
    const { count } = await modify(
      db,
      `UPDATE session_games SET game_started_at = clock_timestamp()
       WHERE id = $1 AND game_started_at IS NULL`,
      [sessionGameId],
    );
    return count > 0;
  }

  /**
   * Marks the room's game ended, and the session game played if it was playing; false when it
   * had already ended.
   */
  async markGameEnded(db: Queryable, sessionGameId: number): Promise<boolean> {
    const { count } = await modify(
      db,
      `UPDATE session_games
       SET game_ended_at = clock_timestamp(), game_started_at = coalesce(game_started_at, clock_timestamp()),
           status = CASE WHEN status = 'playing' THEN 'played' ELSE status END
       WHERE id = $1 AND game_ended_at IS NULL`,
      [sessionGameId],
    );
    return count > 0;
  }

  async removeGame(db: Queryable, sessionGameId: number): Promise<void> {
    await db.query('DELETE FROM session_games WHERE id = $1', [sessionGameId]);
  }

  /** How many times each game was played in the session. */
  async playsPerGame(db: Queryable, sessionId: number): Promise<{ game_id: number; n: number }[]> {
    return db.query(
      'SELECT game_id, count(*)::int AS n FROM session_games WHERE session_id = $1 GROUP BY game_id',
      [sessionId],
    );
  }

  /** Games played across all sessions, skipped ones not counted. */
  async gamesPlayed(): Promise<number> {
    const [{ n }] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM session_games WHERE status <> 'skipped'`,
    );
    return n;
  }
}
