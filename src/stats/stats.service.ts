import { Injectable } from '@nestjs/common';
import { GamesRepository } from '../games/games.repository';
import { SessionsRepository } from '../sessions/sessions.repository';
import type { StatsDto } from './stats.dto';

const TOP = 10;

@Injectable()
export class StatsService {
  constructor(
    private readonly games: GamesRepository,
    private readonly sessions: SessionsRepository,
  ) {}

  async getStats(): Promise<StatsDto> {
    const [totals, totalSessions, gamesPlayed, topRatedGames, mostPlayedGames, packStats] =
      await Promise.all([
        this.games.totals(),
        this.sessions.count(),
        this.sessions.gamesPlayed(),
        this.games.topRated(TOP),
        this.games.mostPlayed(TOP),
        this.games.playsPerPack(),
      ]);
    return {
      ...totals,
      totalSessions,
      gamesPlayed,
      topRatedGames,
      mostPlayedGames,
      packStats,
    };
  }
}
