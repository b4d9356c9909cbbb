import { ConflictException, HttpStatus, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiError } from '../common/api-error';
import { isUniqueViolation } from '../common/database-errors';
import type { Queryable } from '../database/sql';
import { EventOutbox } from '../events/event-outbox';
import type { SessionSummary } from '../events/event-types';
import { GamesRepository } from '../games/games.repository';
import { VotesRepository } from '../votes/votes.repository';
import type { SessionDto, SessionListItemDto, SuccessDto } from './dto/session.dto';
import { clearSelection } from './session-selection';
import { SessionsRepository } from './sessions.repository';

export const summary = (s: SessionDto): SessionSummary => ({
  id: s.id,
  is_active: s.is_active,
  games_played: s.games_played,
});

/** A session's life: start, close, notes, delete. (Its games: SessionGamesService.) */
@Injectable()
export class SessionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: EventOutbox,
    private readonly sessions: SessionsRepository,
    private readonly games: GamesRepository,
    private readonly votes: VotesRepository,
  ) {}

  async create(notes: string | undefined): Promise<SessionDto> {
    try {
      return await this.outbox.transaction(async (tx) => {
        const id = await this.sessions.insert(tx.manager, notes ?? null);
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
        { activeSessionId: active?.id ?? null },
      );
    }
  }

  findActive(): Promise<SessionDto | undefined> {
    return this.sessions.findActive();
  }

  async list(
    limit: number | undefined,
    offset: number,
  ): Promise<{ sessions: SessionListItemDto[]; total: number; prevLastDate?: Date }> {
    const [total, sessions] = [
      await this.sessions.count(),
      await this.sessions.page(limit, offset),
    ];
    if (offset === 0) return { sessions, total };
    // X-Prev-Last-Date: when the row before this page was created (for grouping by day).
    return { sessions, total, prevLastDate: await this.sessions.createdAtOffset(offset - 1) };
  }

  /** One session, or 404. With `lock`, its row is locked for the rest of the transaction. */
  async get(id: number, db?: Queryable, lock = false): Promise<SessionDto> {
    const session = await this.sessions.find(id, db, lock);
    if (!session) throw new NotFoundException(`Session ${id} not found`);
    return session;
  }

  /** 404 unless the session exists. */
  async assertExists(id: number): Promise<void> {
    if (!(await this.sessions.exists(id))) throw new NotFoundException(`Session ${id} not found`);
  }

  close(id: number, notes: string | undefined): Promise<SessionDto> {
    return this.outbox.transaction(async (tx) => {
      const current = await this.get(id, tx.manager, true);
      if (!current.is_active) throw new ConflictException(`Session ${id} is already closed`);
      await clearSelection(tx, this.sessions, id, 'session_ended');
      await this.sessions.close(tx.manager, id, notes ?? null);
      const session = await this.get(id, tx.manager);
      await tx.record('session.ended', id, { session: summary(session) });
      return session;
    });
  }

  /** Deletes a closed session with its games and votes, taking them out of the game counters. */
  async remove(id: number): Promise<SuccessDto> {
    await this.dataSource.transaction(async (manager) => {
      const session = await this.get(id, manager, true);
      if (session.is_active) {
        throw new ConflictException(`Session ${id} is active: close it before deleting it`);
      }
      await this.votes.uncountSession(manager, id);
      const plays = await this.sessions.playsPerGame(manager, id);
      await this.games.addPlays(
        manager,
        plays.map((p) => ({ gameId: p.game_id, plays: -p.n })),
      );
      await this.sessions.remove(manager, id);
    });
    return { success: true, message: `Session ${id} deleted` };
  }

  async setNotes(id: number, notes: string | null): Promise<SessionDto> {
    if (!(await this.sessions.setNotes(id, notes))) {
      throw new NotFoundException(`Session ${id} not found`);
    }
    return this.get(id);
  }
}
