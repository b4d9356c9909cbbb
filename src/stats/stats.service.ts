import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Game } from '../games/game.entity';
import type { PackPlaysDto, StatsDto } from './stats.dto';

const TOP = 10;

@Injectable()
export class StatsService {
  constructor(private readonly dataSource: DataSource) {}

  async getStats(): Promise<StatsDto> {
    const [[totals], topRatedGames, mostPlayedGames, packStats] = await Promise.all([
      this.dataSource.query<Omit<StatsDto, 'topRatedGames' | 'mostPlayedGames' | 'packStats'>[]>(`
        SELECT (SELECT count(*) FROM games)::int AS "totalGames",
               (SELECT count(*) FROM games WHERE enabled)::int AS "enabledGames",
               (SELECT count(DISTINCT pack_name) FROM games)::int AS "totalPacks",
               (SELECT count(*) FROM sessions)::int AS "totalSessions",
               (SELECT count(*) FROM session_games WHERE status <> 'skipped')::int AS "gamesPlayed",
               (SELECT coalesce(sum(upvotes + downvotes), 0) FROM games)::int AS "totalVotes"`),
      this.dataSource.query<Game[]>(
        `SELECT * FROM games WHERE upvotes + downvotes > 0 ORDER BY popularity_score DESC, upvotes DESC, title LIMIT ${TOP}`,
      ),
      this.dataSource.query<Game[]>(
        `SELECT * FROM games WHERE play_count > 0 ORDER BY play_count DESC, title LIMIT ${TOP}`,
      ),
      this.dataSource.query<PackPlaysDto[]>(`
        SELECT pack_name, count(*)::int AS game_count, sum(play_count)::int AS play_count
        FROM games GROUP BY pack_name ORDER BY play_count DESC, pack_name`),
    ]);
    return { ...totals, topRatedGames, mostPlayedGames, packStats };
  }
}
