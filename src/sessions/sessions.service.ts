import { ConflictException, HttpStatus, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ApiError } from '../common/api-error';
import { isUniqueViolation } from '../common/database-errors';
import { modify } from '../database/sql';
import { EventOutbox, type OutboxTransaction } from '../events/event-outbox';
import type { GameStatusPayload, SessionSummary } from '../events/event-types';
import type {
  AddSessionGameDto,
  SessionDto,
  SessionGameDto,
  SessionListItemDto,
  SuccessDto,
} from './dto/session.dto';
import { SESSION_COLUMNS, SESSION_GAME_COLUMNS, SESSION_GAMES_FROM } from './session-queries';
import type { ExportedVote, SessionExport } from './session-export';

type Queryable = Pick<EntityManager, 'query'>;

const summary = (s: SessionDto): SessionSummary => ({
  id: s.id,
  is_active: s.is_active,
  games_played: s.games_played,
});

@Injectable()
export class SessionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: EventOutbox,
  ) {}

  async create(notes: string | undefined): Promise<SessionDto> {
    try {
      return await this.outbox.transaction(async (tx) => {
        const [{ id }] = await tx.manager.query<{ id: number }[]>(
          'INSERT INTO sessions (notes) VALUES ($1) RETURNING id',
          [notes ?? null],
        );
        const session = await this.get(id, tx.manager);
        await tx.record('session.started', id, {
          session: {
            id,
            is_active: true,
            created_at: session.created_at.toISOString(),
            notes: session.notes,
          },
        });
        return session;
      });
    } catch (error) {
      if (!isUniqueViolation(error, 'sessions_one_active')) throw error;
      const active = await this.findActive();
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'An active session already exists. Please close it before creating a new one.',
        {
          activeSessionId: active?.id ?? null,
        },
      );
    }
  }

  async findActive(): Promise<SessionDto | undefined> {
    const [session] = await this.dataSource.query<SessionDto[]>(
      `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.is_active`,
    );
    return session;
  }

  async list(
    limit: number | undefined,
    offset: number,
  ): Promise<{ sessions: SessionListItemDto[]; total: number; prevLastDate?: Date }> {
    const [{ total }] = await this.dataSource.query<{ total: number }[]>(
      'SELECT count(*)::int AS total FROM sessions',
    );
    const sessions = await this.dataSource.query<SessionListItemDto[]>(
      `SELECT s.id, s.is_active, s.created_at, s.closed_at,
              (SELECT count(*) FROM session_games sg WHERE sg.session_id = s.id)::int AS games_played,
              coalesce(btrim(s.notes), '') <> '' AS has_notes,
              nullif(left(split_part(btrim(s.notes), E'\\n\\n', 1), 150), '') AS notes_preview
       FROM sessions s ORDER BY s.created_at DESC, s.id DESC LIMIT $1 OFFSET $2`,
      [limit ?? null, offset],
    );
    if (offset === 0) return { sessions, total };
    // The reference's X-Prev-Last-Date: when the row before this page was created (for day grouping).
    const [previous] = await this.dataSource.query<{ created_at: Date }[]>(
      'SELECT created_at FROM sessions ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $1',
      [offset - 1],
    );
    return { sessions, total, prevLastDate: previous?.created_at };
  }

  async get(id: number, db: Queryable = this.dataSource, lock = false): Promise<SessionDto> {
    if (lock) {
      // NO KEY UPDATE, not UPDATE: a live vote's foreign-key check takes KEY SHARE on this row
      // while it holds the session's event lock, so a full UPDATE lock would deadlock with it.
      // Locked first and read after, so the counts below are not from before the lock wait.
      await db.query('SELECT 1 FROM sessions WHERE id = $1 FOR NO KEY UPDATE', [id]);
    }
    const [session] = await db.query<SessionDto[]>(
      `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.id = $1`,
      [id],
    );
    if (!session) throw new NotFoundException(`Session ${id} not found`);
    return session;
  }

  close(id: number, notes: string | undefined): Promise<SessionDto> {
    return this.outbox.transaction(async (tx) => {
      const current = await this.get(id, tx.manager, true);
      if (!current.is_active) throw new ConflictException(`Session ${id} is already closed`);
      await tx.manager.query(
        'UPDATE sessions SET is_active = false, closed_at = now(), notes = coalesce($2, notes) WHERE id = $1',
        [id, notes ?? null],
      );
      await tx.manager.query(
        `UPDATE session_games SET status = 'played' WHERE session_id = $1 AND status = 'playing'`,
        [id],
      );
      const session = await this.get(id, tx.manager);
      await tx.record('session.ended', id, { session: summary(session) });
      return session;
    });
  }

  /** Deletes a closed session with its games and votes, taking its votes out of the game counters. */
  async remove(id: number): Promise<SuccessDto> {
    await this.dataSource.transaction(async (manager) => {
      const session = await this.get(id, manager, true);
      if (session.is_active)
        throw new ConflictException(`Session ${id} is active: close it before deleting it`);
      await manager.query(
        `UPDATE games g SET upvotes = g.upvotes - v.up, downvotes = g.downvotes - v.down
         FROM (SELECT game_id, count(*) FILTER (WHERE vote_type = 1) AS up, count(*) FILTER (WHERE vote_type = -1) AS down
               FROM votes WHERE session_id = $1 GROUP BY game_id) v
         WHERE g.id = v.game_id`,
        [id],
      );
      await manager.query(
        `UPDATE games g SET play_count = greatest(g.play_count - p.n, 0)
         FROM (SELECT game_id, count(*) AS n FROM session_games WHERE session_id = $1 GROUP BY game_id) p
         WHERE g.id = p.game_id`,
        [id],
      );
      await manager.query('DELETE FROM sessions WHERE id = $1', [id]);
    });
    return { success: true, message: `Session ${id} deleted` };
  }

  async setNotes(id: number, notes: string | null): Promise<SessionDto> {
    const { count } = await modify(
      this.dataSource,
      'UPDATE sessions SET notes = $2 WHERE id = $1',
      [id, notes],
    );
    if (count === 0) throw new NotFoundException(`Session ${id} not found`);
    return this.get(id);
  }

  listGames(sessionId: number, db: Queryable = this.dataSource): Promise<SessionGameDto[]> {
    return db.query(
      `SELECT ${SESSION_GAME_COLUMNS} FROM ${SESSION_GAMES_FROM} WHERE sg.session_id = $1 ORDER BY sg.played_at, sg.id`,
      [sessionId],
    );
  }

  /** Adds a game as `playing`; the game that was playing becomes `played`. */
  addGame(sessionId: number, dto: AddSessionGameDto): Promise<SessionGameDto> {
    return this.outbox.transaction(async (tx) => {
      // The session row lock orders concurrent adds, so played_at follows the order they commit in.
      const session = await this.get(sessionId, tx.manager, true);
      if (!session.is_active)
        throw new ConflictException(
          `Session ${sessionId} is closed: games can only be added to the active session`,
        );
      const { rows: games } = await modify<{ id: number }>(
        tx.manager,
        'UPDATE games SET play_count = play_count + 1 WHERE id = $1 RETURNING id',
        [dto.game_id],
      );
      if (games.length === 0) throw new NotFoundException(`Game ${dto.game_id} not found`);
      await tx.manager.query(
        `UPDATE session_games SET status = 'played' WHERE session_id = $1 AND status = 'playing'`,
        [sessionId],
      );
      const [{ id }] = await tx.manager.query<{ id: number }[]>(
        `INSERT INTO session_games (session_id, game_id, played_at, status, manually_added, room_code)
         VALUES ($1, $2, clock_timestamp(), 'playing', $3, $4) RETURNING id`,
        [sessionId, dto.game_id, dto.manually_added ?? false, dto.room_code ?? null],
      );
      const added = await this.getGame(sessionId, id, tx.manager);
      await tx.record('game.added', sessionId, {
        session: { ...summary(session), games_played: session.games_played + 1 },
        game: {
          id: added.game_id,
          title: added.title,
          pack_name: added.pack_name,
          min_players: added.min_players,
          max_players: added.max_players,
          manually_added: added.manually_added,
          room_code: added.room_code,
        },
      });
      return added;
    });
  }

  setStatus(
    sessionId: number,
    sessionGameId: number,
    status: SessionGameDto['status'],
  ): Promise<SessionGameDto> {
    return this.changeGame(sessionId, sessionGameId, 'status', async (tx, session) => {
      if (status === 'playing') {
        if (!session.is_active)
          throw new ConflictException(`Session ${sessionId} is closed: no game can be playing`);
        await tx.manager.query(
          `UPDATE session_games SET status = 'played' WHERE session_id = $1 AND status = 'playing' AND id <> $2`,
          [sessionId, sessionGameId],
        );
      }
      await tx.manager.query('UPDATE session_games SET status = $2 WHERE id = $1', [
        sessionGameId,
        status,
      ]);
    });
  }

  setRoomCode(
    sessionId: number,
    sessionGameId: number,
    roomCode: string | null,
  ): Promise<SessionGameDto> {
    return this.changeGame(sessionId, sessionGameId, 'room_code', (tx) =>
      tx.manager.query('UPDATE session_games SET room_code = $2 WHERE id = $1', [
        sessionGameId,
        roomCode,
      ]),
    );
  }

  setPlayerCount(
    sessionId: number,
    sessionGameId: number,
    playerCount: number | null,
  ): Promise<SessionGameDto> {
    return this.changeGame(sessionId, sessionGameId, 'player_count', (tx) =>
      tx.manager.query('UPDATE session_games SET player_count = $2 WHERE id = $1', [
        sessionGameId,
        playerCount,
      ]),
    );
  }

  async removeGame(sessionId: number, sessionGameId: number): Promise<SuccessDto> {
    await this.outbox.transaction(async (tx) => {
      const session = await this.get(sessionId, tx.manager, true);
      const removed = await this.getGame(sessionId, sessionGameId, tx.manager);
      await tx.manager.query('DELETE FROM session_games WHERE id = $1', [sessionGameId]);
      await tx.manager.query(
        'UPDATE games SET play_count = greatest(play_count - 1, 0) WHERE id = $1',
        [removed.game_id],
      );
      await tx.record(
        'game.status',
        sessionId,
        this.statusPayload(
          { ...session, games_played: session.games_played - 1 },
          'removed',
          removed,
        ),
      );
    });
    return { success: true, message: `Session game ${sessionGameId} removed` };
  }

  async exportSession(id: number): Promise<SessionExport> {
    const session = await this.get(id);
    const games = await this.dataSource.query<SessionExport['games']>(
      `SELECT ${SESSION_GAME_COLUMNS},
              (SELECT count(*) FROM votes v WHERE v.session_id = sg.session_id AND v.game_id = sg.game_id AND v.vote_type = 1)::int AS session_upvotes,
              (SELECT count(*) FROM votes v WHERE v.session_id = sg.session_id AND v.game_id = sg.game_id AND v.vote_type = -1)::int AS session_downvotes
       FROM ${SESSION_GAMES_FROM} WHERE sg.session_id = $1 ORDER BY sg.played_at, sg.id`,
      [id],
    );
    const votes = await this.dataSource.query<ExportedVote[]>(
      `SELECT v.username, CASE v.vote_type WHEN 1 THEN 'up' ELSE 'down' END AS vote_type, v.voted_at AS timestamp, v.game_id, g.title
       FROM votes v JOIN games g ON g.id = v.game_id WHERE v.session_id = $1 ORDER BY v.voted_at, v.id`,
      [id],
    );
    return { exported_at: new Date().toISOString(), session, games, votes };
  }

  async getGame(
    sessionId: number,
    sessionGameId: number,
    db: Queryable = this.dataSource,
  ): Promise<SessionGameDto> {
    const [row] = await db.query<SessionGameDto[]>(
      `SELECT ${SESSION_GAME_COLUMNS} FROM ${SESSION_GAMES_FROM} WHERE sg.id = $1 AND sg.session_id = $2`,
      [sessionGameId, sessionId],
    );
    if (!row) throw new NotFoundException('Session game not found');
    return row;
  }

  /** Applies one change to a session game under the session lock and records `game.status`. */
  private changeGame(
    sessionId: number,
    sessionGameId: number,
    change: GameStatusPayload['change'],
    apply: (tx: OutboxTransaction, session: SessionDto) => Promise<unknown>,
  ): Promise<SessionGameDto> {
    return this.outbox.transaction(async (tx) => {
      const session = await this.get(sessionId, tx.manager, true);
      await this.getGame(sessionId, sessionGameId, tx.manager);
      await apply(tx, session);
      const updated = await this.getGame(sessionId, sessionGameId, tx.manager);
      await tx.record('game.status', sessionId, this.statusPayload(session, change, updated));
      return updated;
    });
  }

  private statusPayload(
    session: SessionDto,
    change: GameStatusPayload['change'],
    game: SessionGameDto,
  ): GameStatusPayload {
    return {
      session: summary(session),
      change,
      session_game: {
        id: game.id,
        game_id: game.game_id,
        title: game.title,
        status: game.status,
        room_code: game.room_code,
        player_count: game.player_count,
      },
    };
  }
}
