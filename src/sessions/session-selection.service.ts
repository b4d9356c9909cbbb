import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { EventOutbox } from '../events/event-outbox';
import { GamesRepository } from '../games/games.repository';
import type { GameSelectionDto, PendingSelectionDto, SuccessDto } from './dto/session.dto';
import { clearSelection } from './session-selection';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/**
 * The game an admin picked for the active session and has not added yet, stored on the session
 * so every admin sees the same pick, on any instance, now or when they open the page later.
 */
@Injectable()
export class SessionSelectionService {
  constructor(
    private readonly outbox: EventOutbox,
    private readonly sessions: SessionsService,
    private readonly repository: SessionsRepository,
    private readonly games: GamesRepository,
  ) {}

  select(sessionId: number, dto: GameSelectionDto, admin: string): Promise<PendingSelectionDto> {
    return this.outbox.transaction(async (tx) => {
      const session = await this.sessions.get(sessionId, tx.manager, true);
      if (!session.is_active) {
        throw new ConflictException(
          `Session ${sessionId} is closed: only the active session has a game selection`,
        );
      }
      const game = await this.games.find(dto.game_id, tx.manager);
      if (!game) throw new NotFoundException(`Game ${dto.game_id} not found`);
      const selectedAt = await this.repository.select(tx.manager, sessionId, {
        game_id: game.id,
        source: dto.source,
        selected_by: admin,
      });
      await tx.record('game.picked', sessionId, {
        sessionId,
        game: { id: game.id, title: game.title, pack_name: game.pack_name },
        source: dto.source,
        selectedBy: admin,
        selectedAt: selectedAt.toISOString(),
      });
      return {
        game_id: game.id,
        title: game.title,
        pack_name: game.pack_name,
        source: dto.source,
        selected_by: admin,
        selected_at: selectedAt.toISOString(),
      };
    });
  }

  async dismiss(sessionId: number): Promise<SuccessDto> {
    const dismissed = await this.outbox.transaction(async (tx) => {
      await this.sessions.get(sessionId, tx.manager, true);
      return clearSelection(tx, this.repository, sessionId, 'dismissed');
    });
    if (!dismissed) throw new NotFoundException(`No game is selected in session ${sessionId}`);
    return { success: true, message: `Selection of game ${dismissed} dismissed` };
  }
}
