import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { RuntimeConfig } from '../config/app-config';
import { type BoundedPool, longTransaction, votePool } from '../database/bounded-pool';
import { DatabaseAvailability } from '../database/database-availability';
import { type Queryable, SqlParams } from '../database/sql';
import type { VoteReceivedPayload } from '../events/event-types';
import type { PoolStats } from '../metrics/metrics';
import type { ExportedVote } from '../sessions/session-export';
import type {
  ChatImportResultDto,
  ListVotesQuery,
  SessionVotesDto,
  VoteListDto,
} from './dto/vote.dto';

/** A game's vote counters are spread over this many rows, so votes rarely wait for each other. */
export const VOTE_COUNTER_SHARDS = 16;

/**
 * The live vote: the function `record_live_vote` (migration 1764220800000-VoteDedupByUserTurns)
 * finds the game played at the vote's time (or the ticker's), takes the user's turn and refuses a
 * second vote of theirs within a second, records the vote, adds it to one of the game's counter
 * rows and writes the `vote.received` event with the game's totals: one round trip, one
 * transaction. No row: no game matched; a row without a title: a duplicate.
 *
 * $1 username, $2 vote_type (1 or -1), $3 timestamp, $4 the timestamp as the client sent it,
 * $5 ticker (null: the game being played at $3), $6 the counter row (0 to VOTE_COUNTER_SHARDS-1).
 */
export const LIVE_VOTE_SQL =
  'SELECT * FROM record_live_vote($1::text, $2::smallint, $3::timestamptz, $4::text, $5::text, $6::smallint)';

export interface LiveVoteRow {
  session_id: number;
  game_id: number;
  games_played: number;
  /** Null: the vote was refused as a duplicate. */
  title: string | null;
  upvotes: number;
  downvotes: number;
  popularity_score: number;
  event_id: string;
  event_xid: string;
  event_created_at: Date;
  event_payload: VoteReceivedPayload;
}

export interface ChatVote {
  username: string;
  type: 1 | -1;
  at: Date;
}

/**
 * Every statement on `votes`, including the live vote, which also bumps the game's counters
 * and writes its event in the same statement (the hot path stays one round trip).
 */
@Injectable()
export class VotesRepository implements OnApplicationShutdown {
  private readonly logger = new Logger(VotesRepository.name);
  /**
   * Connections reserved for live votes (DB_VOTE_POOL_SIZE), so the hot path never queues
   * behind other work. Few on purpose: every vote of a game night updates the same game row, so
   * more connections would only queue on its lock, and a few keep the lock hand-offs fast.
   */
  private readonly pool: BoundedPool;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: RuntimeConfig,
    availability: DatabaseAvailability,
  ) {
    this.pool = votePool(config, availability, (error) =>
      this.logger.debug(`vote connection dropped: ${error.message}`),
    );
  }

  // After the HTTP server has finished its requests in flight, like the main pool.
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }

  /** The vote pool's connections and waiting queries, for the metrics. */
  poolStats(): PoolStats {
    const { totalCount, idleCount, waitingCount, options } = this.pool;
    return { totalCount, idleCount, waitingCount, max: options.max ?? 10 };
  }

  /** Records a live vote; no row means no game matched (no active session, ticker, or time). */
  async recordLive(vote: {
    username: string;
    type: 1 | -1;
    at: Date;
    timestamp: string;
    ticker: string | null;
  }): Promise<LiveVoteRow | undefined> {
    const { rows } = await this.pool.query<LiveVoteRow>({
      name: 'live-vote',
      text: LIVE_VOTE_SQL,
      values: [
        vote.username,
        vote.type,
        vote.at.toISOString(),
        vote.timestamp,
        vote.ticker,
        randomInt(VOTE_COUNTER_SHARDS),
      ],
    });
    return rows[0];
  }

  /** Records the votes of a chat log in one statement (`votes` sorted by time). */
  async recordChat(
    sessionId: number,
    votes: ChatVote[],
  ): Promise<{ unmatched: number; counted: number; games: ChatImportResultDto['games'] }> {
    // import_chat_votes: every vote in time order, the earlier of two within a second counting,
    // under the same per-user turns as live votes (migration 1764220800000).
    // A whole night's log in one statement: it may take longer than a request's statements.
    const [result] = await longTransaction(this.dataSource, (db) =>
      db.query<{ unmatched: number; counted: number; games: ChatImportResultDto['games'] }[]>(
        'SELECT * FROM import_chat_votes($4, $1::text[], $2::smallint[], $3::timestamptz[])',
        [
          votes.map((v) => v.username),
          votes.map((v) => v.type),
          votes.map((v) => v.at.toISOString()),
          sessionId,
        ],
      ),
    );
    return result;
  }

  /** Takes a session's votes out of the game counters (before the session is deleted). */
  async uncountSession(db: Queryable, sessionId: number): Promise<void> {
    await db.query(
      `SELECT count_votes(game_id, 0::smallint, -count(*) FILTER (WHERE vote_type = 1)::int,
                          -count(*) FILTER (WHERE vote_type = -1)::int)
       FROM votes WHERE session_id = $1 GROUP BY game_id`,
      [sessionId],
    );
  }

  async list(query: ListVotesQuery): Promise<VoteListDto> {
    const page = query.page ?? 1;
    const limit = query.limit ?? 50;
    const params = new SqlParams();
    const where: string[] = [];
    if (query.session_id !== undefined) {
      where.push(`v.session_id = ${params.bind(query.session_id)}`);
    }
    if (query.game_id !== undefined) where.push(`v.game_id = ${params.bind(query.game_id)}`);
    if (query.username !== undefined) where.push(`v.username = ${params.bind(query.username)}`);
    if (query.vote_type !== undefined) {
      where.push(`v.vote_type = ${params.bind(query.vote_type === 'up' ? 1 : -1)}`);
    }
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await this.dataSource.query<{ total: number }[]>(
      `SELECT count(*)::int AS total FROM votes v ${whereSql}`,
      params.values,
    );
    const votes = await this.dataSource.query<VoteListDto['votes']>(
      `SELECT v.id::int AS id, v.session_id, v.game_id, g.title AS game_title, g.pack_name, v.username,
              CASE v.vote_type WHEN 1 THEN 'up' ELSE 'down' END AS vote_type, v.voted_at AS timestamp, v.created_at
       FROM votes v JOIN games g ON g.id = v.game_id ${whereSql}
       ORDER BY v.voted_at DESC, v.id DESC LIMIT ${params.bind(limit)} OFFSET ${params.bind((page - 1) * limit)}`,
      params.values,
    );
    return { votes, pagination: { page, limit, total, total_pages: Math.ceil(total / limit) } };
  }

  /** A session's votes per game, best first. */
  sessionTotals(sessionId: number): Promise<SessionVotesDto['votes']> {
    return this.dataSource.query(
      `SELECT v.game_id, g.title, g.pack_name,
              count(*) FILTER (WHERE v.vote_type = 1)::int AS upvotes,
              count(*) FILTER (WHERE v.vote_type = -1)::int AS downvotes,
              sum(v.vote_type)::int AS net_score, count(*)::int AS total_votes
       FROM votes v JOIN games g ON g.id = v.game_id
       WHERE v.session_id = $1 GROUP BY v.game_id, g.title, g.pack_name
       ORDER BY net_score DESC, total_votes DESC, g.title`,
      [sessionId],
    );
  }

  /** A session's up and down votes per game. */
  sessionCountsByGame(
    sessionId: number,
  ): Promise<{ game_id: number; upvotes: number; downvotes: number }[]> {
    return this.dataSource.query(
      `SELECT game_id, count(*) FILTER (WHERE vote_type = 1)::int AS upvotes,
              count(*) FILTER (WHERE vote_type = -1)::int AS downvotes
       FROM votes WHERE session_id = $1 GROUP BY game_id`,
      [sessionId],
    );
  }

  /** Every vote of a session, in time order. */
  sessionVotes(sessionId: number): Promise<ExportedVote[]> {
    return this.dataSource.query(
      `SELECT v.username, CASE v.vote_type WHEN 1 THEN 'up' ELSE 'down' END AS vote_type, v.voted_at AS timestamp, v.game_id, g.title
       FROM votes v JOIN games g ON g.id = v.game_id WHERE v.session_id = $1 ORDER BY v.voted_at, v.id`,
      [sessionId],
    );
  }
}
