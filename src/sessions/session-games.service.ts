import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { Queryable } from '../database/sql';
import { EventOutbox, type OutboxTransaction } from '../events/event-outbox';
import type { SessionGameUpdatedPayload } from '../events/event-types';
import { GamesRepository } from '../games/games.repository';
import type { AddSessionGameDto, SessionDto, SessionGameDto, SuccessDto } from './dto/session.dto';
import { SessionsRepository, type SessionGameChange } from './sessions.repository';
import { SessionsService, summary } from './sessions.service';

/** The games of a session: adding one, changing its status, room code or players, removing it. */
@Injectable()
export class SessionGamesService {
  constructor(
    private readonly outbox: EventOutbox,
    private readonly sessions: SessionsService,
    private readonly repository: SessionsRepository,
    private readonly games: GamesRepository,
  ) {}

  async list(sessionId: number): Promise<SessionGameDto[]> {
    await this.sessions.assertExists(sessionId);
    return this.repository.games(sessionId);
  }

  async get(sessionId: number, sessionGameId: number, db?: Queryable): Promise<SessionGameDto> {
    const game = await this.repository.findGame(sessionId, sessionGameId, db);
    if (!game) throw new NotFoundException('Session game not found');
    return game;
  }

  /** Adds a game as `playing`; the game that was playing becomes `played`. */
  add(sessionId: number, dto: AddSessionGameDto): Promise<SessionGameDto> {
    return this.outbox.transaction(async (tx) => {
      // The session row lock orders concurrent adds, so played_at follows the order they commit in.
      const session = await this.sessions.get(sessionId, tx.manager, true);
      if (!session.is_active) {
        throw new ConflictException(
          `Session ${sessionId} is closed: games can only be added to the active session`,
        );
      }
      const counted = await this.games.addPlays(tx.manager, [{ gameId: dto.game_id, plays: 1 }]);
      if (counted === 0) throw new NotFoundException(`Game ${dto.game_id} not found`);
      await this.repository.endPlaying(tx.manager, sessionId);
      const id = await this.repository.insertGame(tx.manager, sessionId, {
        game_id: dto.game_id,
        manually_added: dto.manually_added ?? false,
        room_code: dto.room_code ?? null,
        source: dto.source ?? (dto.manually_added ? 'manual' : 'dice'),
      });
      const added = await this.get(sessionId, id, tx.manager);
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
    return this.change(sessionId, sessionGameId, { status }, async (tx, session) => {
      if (status !== 'playing') return;
      if (!session.is_active) {
        throw new ConflictException(`Session ${sessionId} is closed: no game can be playing`);
      }
      await this.repository.endPlaying(tx.manager, sessionId, sessionGameId);
    });
  }

  setRoomCode(
    sessionId: number,
    sessionGameId: number,
    roomCode: string | null,
  ): Promise<SessionGameDto> {
    return this.change(sessionId, sessionGameId, { room_code: roomCode });
  }

  setPlayerCount(
    sessionId: number,
    sessionGameId: number,
    playerCount: number | null,
  ): Promise<SessionGameDto> {
    return this.change(sessionId, sessionGameId, { player_count: playerCount });
  }

  async remove(sessionId: number, sessionGameId: number): Promise<SuccessDto> {
    await this.outbox.transaction(async (tx) => {
      const session = await this.sessions.get(sessionId, tx.manager, true);
      const removed = await this.get(sessionId, sessionGameId, tx.manager);
      await this.repository.removeGame(tx.manager, sessionGameId);
      await this.games.addPlays(tx.manager, [{ gameId: removed.game_id, plays: -1 }]);
      await tx.record(
        'session-game.updated',
        sessionId,
        statusPayload({ ...session, games_played: session.games_played - 1 }, 'removed', removed),
      );
    });
    return { success: true, message: `Session game ${sessionGameId} removed` };
  }

  /**
   * Applies one change to a session game under the session lock and records `session-game.updated`.
   * `before` runs first, under the lock (for the rules of that change).
   */
  private change(
    sessionId: number,
    sessionGameId: number,
    change: SessionGameChange,
    before?: (tx: OutboxTransaction, session: SessionDto) => Promise<void>,
  ): Promise<SessionGameDto> {
    return this.outbox.transaction(async (tx) => {
      const session = await this.sessions.get(sessionId, tx.manager, true);
      await this.get(sessionId, sessionGameId, tx.manager);
      await before?.(tx, session);
      await this.repository.updateGame(tx.manager, sessionGameId, change);
      const updated = await this.get(sessionId, sessionGameId, tx.manager);
      const kind = Object.keys(change)[0] as SessionGameUpdatedPayload['change'];
      await tx.record('session-game.updated', sessionId, statusPayload(session, kind, updated));
      if (kind === 'player_count') {
        await tx.record('player-count.updated', sessionId, {
          sessionId,
          gameId: updated.id,
          roomCode: updated.room_code,
          playerCount: updated.player_count,
        });
      }
      return updated;
    });
  }
}

export function statusPayload(
  session: SessionDto,
  change: SessionGameUpdatedPayload['change'],
  game: SessionGameDto,
): SessionGameUpdatedPayload {
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
