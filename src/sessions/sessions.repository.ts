import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { modify, type Queryable } from '../database/sql';
import type {
  GameSource,
  PendingSelectionDto,
  SessionDto,
  SessionGameDto,
  SessionListItemDto,
} from './dto/session.dto';

/** The pending selection of session `s`, as every session read shows it. */
const SELECTION_COLUMNS = `sel.game_id AS pending_game_id, sel.source AS pending_game_source,
  CASE WHEN sel.session_id IS NULL THEN NULL ELSE json_build_object(
    'game_id', sel.game_id, 'title', sel_game.title, 'pack_name', sel_game.pack_name,
    'source', sel.source, 'selected_by', sel.selected_by,
    'selected_at', to_char(sel.selected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  ) END AS pending_selection`;
const SESSIONS_FROM = `sessions s
  LEFT JOIN session_selections sel ON sel.session_id = s.id
  LEFT JOIN games sel_game ON sel_game.id = sel.game_id`;
const SESSION_COLUMNS = `s.id, s.notes, s.is_active, s.created_at, s.closed_at,
  (SELECT count(*) FROM session_games sg WHERE sg.session_id = s.id)::int AS games_played,
  ${SELECTION_COLUMNS}`;

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
  /** The room they were seen in: facts of a room the game no longer has are dropped. */
  room_code: string;
  app_tag: string | null;
  room_max_players: number | null;
  lobby_state: string | null;
  /** 0 before anyone was seen: the stored count is then left alone. */
  player_count: number;
}

/** A session's pending selection as stored. */
type StoredSelection = Pick<PendingSelectionDto, 'game_id' | 'source'>;

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
      `SELECT ${SESSION_COLUMNS} FROM ${SESSIONS_FROM} WHERE s.id = $1`,
      [id],
    );
    return session;
  }

  async findActive(): Promise<SessionDto | undefined> {
    const [session] = await this.dataSource.query<SessionDto[]>(
      `SELECT ${SESSION_COLUMNS} FROM ${SESSIONS_FROM} WHERE s.is_active`,
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
              nullif(left(split_part(btrim(s.notes), E'\\n\\n', 1), 150), '') AS notes_preview,
              ${SELECTION_COLUMNS}
       FROM ${SESSIONS_FROM} ORDER BY s.created_at DESC, s.id DESC LIMIT $1 OFFSET $2`,
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
    game: { game_id: number; source: GameSource; room_code: string | null },
  ): Promise<number> {
    const [{ id }] = await db.query<{ id: number }[]>(
      `INSERT INTO session_games (session_id, game_id, played_at, status, source, manually_added, room_code)
       VALUES ($1, $2, clock_timestamp(), 'playing', $3, $3 = 'manual', $4) RETURNING id`,
      [sessionId, game.game_id, game.source, game.room_code],
    );
    return id;
  }

  /** The session's pending selection, or undefined. */
  async findSelection(db: Queryable, sessionId: number): Promise<StoredSelection | undefined> {
    const [row] = await db.query<StoredSelection[]>(
      'SELECT game_id, source FROM session_selections WHERE session_id = $1',
      [sessionId],
    );
    return row;
  }

  /** Stores the session's pending selection, replacing any earlier one. */
  async select(
    db: Queryable,
    sessionId: number,
    selection: { game_id: number; source: GameSource; selected_by: string },
  ): Promise<Date> {
    const [{ selected_at }] = await db.query<{ selected_at: Date }[]>(
      `INSERT INTO session_selections (session_id, game_id, source, selected_by, selected_at)
       VALUES ($1, $2, $3, $4, clock_timestamp())
       ON CONFLICT (session_id) DO UPDATE
         SET game_id = EXCLUDED.game_id, source = EXCLUDED.source,
             selected_by = EXCLUDED.selected_by, selected_at = EXCLUDED.selected_at
       RETURNING selected_at`,
      [sessionId, selection.game_id, selection.source, selection.selected_by],
    );
    return selected_at;
  }

  /** Clears the session's pending selection; answers what it was, or undefined when none. */
  async clearSelection(db: Queryable, sessionId: number): Promise<StoredSelection | undefined> {
    const { rows } = await modify<StoredSelection>(
      db,
      'DELETE FROM session_selections WHERE session_id = $1 RETURNING game_id, source',
      [sessionId],
    );
    return rows[0];
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
    // A new room is watched afresh: what was seen of the old one, and an admin's stop, no longer
    // apply. So does a game that plays again.
    const fresh =
      column === 'room_code'
        ? `, monitor_reason = NULL, lobby_state = NULL, game_started_at = NULL, game_ended_at = NULL`
        : column === 'status' && value === 'playing'
          ? ', monitor_reason = NULL'
          : '';
    await db.query(`UPDATE session_games SET ${column} = $2${fresh} WHERE id = $1`, [
      sessionGameId,
      value,
    ]);
  }

  async saveRoomFacts(db: Queryable, sessionGameId: number, facts: RoomFacts): Promise<void> {
    await db.query(
      `UPDATE session_games
       SET app_tag = coalesce($2, app_tag), room_max_players = coalesce($3, room_max_players),
           lobby_state = coalesce($4, lobby_state),
           player_count = CASE WHEN $5 > 0 THEN $5 ELSE player_count END
       WHERE id = $1 AND room_code = $6`,
      [
        sessionGameId,
        facts.app_tag,
        facts.room_max_players,
        facts.lobby_state,
        facts.player_count,
        facts.room_code,
      ],
    );
  }

  /**
   * Marks the game watched, unless it stopped playing or changed rooms meanwhile (a start can
   * race the change that makes it moot), or, for a start that follows a change, an admin
   * stopped it meanwhile: false then. Only the admin's own start overrides their stop.
   */
  async startMonitoring(
    sessionGameId: number,
    roomCode: string,
    overrideStop: boolean,
  ): Promise<boolean> {
    const { count } = await modify(
      this.dataSource,
      `UPDATE session_games SET monitoring = true, monitor_reason = NULL
       WHERE id = $1 AND status = 'playing' AND room_code = $2
         AND ($3 OR monitor_reason IS DISTINCT FROM 'manually_stopped')`,
      [sessionGameId, roomCode, overrideStop],
    );
    return count > 0;
  }

  /**
   * The admin's stop, recorded whether or not the game is being watched right now (a start may
   * be on its way): answers whether it was.
   */
  async stopManually(db: Queryable, sessionGameId: number): Promise<boolean> {
    const { rows } = await modify<{ was: boolean }>(
      db,
      `UPDATE session_games sg SET monitoring = false, monitor_reason = 'manually_stopped'
       FROM (SELECT id, monitoring FROM session_games WHERE id = $1 FOR UPDATE) old
       WHERE sg.id = old.id
       RETURNING old.monitoring AS was`,
      [sessionGameId],
    );
    return rows[0]?.was === true;
  }

  /**
   * Ends the game's monitoring, with why; false when it was not being monitored (whoever ended
   * it has recorded the end), so a room's monitoring ends once even when two instances stop it.
   */
  async stopMonitoring(db: Queryable, sessionGameId: number, reason: string): Promise<boolean> {
    const { count } = await modify(
      db,
      `UPDATE session_games SET monitoring = false, monitor_reason = $2
       WHERE id = $1 AND monitoring`,
      [sessionGameId, reason],
    );
    return count > 0;
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
