import { Injectable } from '@nestjs/common';
import { VotesRepository } from '../votes/votes.repository';
import type { SessionExport } from './session-export';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/** Gathers a session, its games with their votes in the session, and every vote, for export. */
@Injectable()
export class SessionExportService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly repository: SessionsRepository,
    private readonly votes: VotesRepository,
  ) {}

  async export(id: number): Promise<SessionExport> {
    const session = await this.sessions.get(id);
    const [games, perGame, votes] = [
      await this.repository.games(id),
      await this.votes.sessionCountsByGame(id),
      await this.votes.sessionVotes(id),
    ];
    const counts = new Map(perGame.map((c) => [c.game_id, c]));
    return {
      exported_at: new Date().toISOString(),
      session,
      games: games.map((g) => ({
        ...g,
        session_upvotes: counts.get(g.game_id)?.upvotes ?? 0,
        session_downvotes: counts.get(g.game_id)?.downvotes ?? 0,
      })),
      votes,
    };
  }
}
