import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { RuntimeConfig } from '../config/app-config';
import { type Queryable, SqlParams } from '../database/sql';
import type { VoteReceivedPayload } from '../events/event-types';
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
 * Adds per-game vote counts to the games' counters, in counter row `shard`. `deltas` is a
 * relation with columns `game_id`, `up` and `down` (negative to take votes away). The one
 * statement that keeps the counters equal to the vote rows, used by every writer of votes.
 */
const countVotes = (deltas: string, shard: string) =>
  `INSERT INTO vote_counts AS c (game_id, shard, upvotes, downvotes)
   SELECT d.game_id, ${shard}, d.up, d.down FROM ${deltas} d
   ON CONFLICT (game_id, shard) DO UPDATE
   SET upvotes = c.upvotes + excluded.upvotes, downvotes = c.downvotes + excluded.downvotes`;

/**
 * The live vote as one statement: find the game, record the vote (the exclusion constraint
 * refuses a second vote of the user within a second), add it to one of the game's counter rows
 * and write the `vote.received` event with the game's totals, in one implicit transaction and
 * one round trip. Nothing in it waits for another vote's commit unless both picked the same
 * counter row, and events need no lock (see EventsRepository: commit-order watermark).
 *
 * The totals are the vote's own counter row, as updated, plus the other rows as committed when
 * the statement began: every vote counts itself and every vote committed before it.
 *
 * $1 username, $2 vote_type (1 or -1), $3 timestamp, $4 the timestamp as the client sent it,
 * $5 ticker (null: the game being played at $3), $6 the counter row (0 to VOTE_COUNTER_SHARDS-1).
 */
export const LIVE_VOTE_SQL = `
WITH active AS (
  SELECT id FROM sessions WHERE is_active
), target AS (
  SELECT * FROM (
    SELECT sg.session_id, sg.game_id FROM session_games sg JOIN active a ON sg.session_id = a.id
    WHERE $5::text IS NULL AND sg.played_at <= $3::timestamptz
    ORDER BY sg.played_at DESC, sg.id DESC LIMIT 1
  ) by_time
  UNION ALL
  SELECT a.id, g.id FROM active a JOIN games g ON g.ticker = upper($5::text)
), vote AS (
  INSERT INTO votes (session_id, game_id, username, vote_type, voted_at, vote_window)
  SELECT session_id, game_id, $1::text, $2::smallint, $3::timestamptz,
         tstzrange($3::timestamptz, $3::timestamptz + interval '1 second')
  FROM target
  ON CONFLICT DO NOTHING
  RETURNING session_id, game_id, ($2::smallint = 1)::int AS up, ($2::smallint = -1)::int AS down
), counted AS (
  ${countVotes('vote', '$6::smallint')}
  RETURNING c.game_id, c.upvotes, c.downvotes
), totals AS (
  SELECT c.game_id, g.title, g.pack_name,
         c.upvotes + coalesce(o.upvotes, 0) AS upvotes, c.downvotes + coalesce(o.downvotes, 0) AS downvotes
  FROM counted c JOIN games g ON g.id = c.game_id
  CROSS JOIN LATERAL (
    SELECT sum(upvotes)::int AS upvotes, sum(downvotes)::int AS downvotes
    FROM vote_counts WHERE game_id = c.game_id AND shard <> $6::smallint
  ) o
), event AS (
  INSERT INTO events (type, session_id, payload)
  SELECT 'vote.received', v.session_id, json_build_object(
    'sessionId', v.session_id,
    'game', json_build_object('id', t.game_id, 'title', t.title, 'pack_name', t.pack_name),
    'vote', json_build_object('username', $1::text, 'type', CASE WHEN $2::smallint = 1 THEN 'up' ELSE 'down' END, 'timestamp', $4::text),
    'totals', json_build_object('upvotes', t.upvotes, 'downvotes', t.downvotes, 'popularity_score', t.upvotes - t.downvotes))
  FROM vote v CROSS JOIN totals t
  RETURNING id, xid::text AS xid, created_at, payload
)
SELECT t.session_id, t.game_id,
       (SELECT count(*) FROM session_games sg WHERE sg.session_id = t.session_id)::int AS games_played,
       c.title, c.upvotes, c.downvotes, c.upvotes - c.downvotes AS popularity_score,
       e.id AS event_id, e.xid AS event_xid, e.created_at AS event_created_at, e.payload AS event_payload
FROM target t LEFT JOIN totals c ON true LEFT JOIN event e ON true`;

/**
 * Chat import as one statement: $1 usernames, $2 vote types, $3 timestamps (sorted by time,
 * so of two votes within a second the earlier one counts), $4 the session.
 */
const CHAT_IMPORT_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::smallint[], $3::timestamptz[]) WITH ORDINALITY AS m(username, vote_type, voted_at, n)
), matched AS (
  SELECT m.*, (
    SELECT sg.game_id FROM session_games sg
    WHERE sg.session_id = $4 AND sg.played_at <= m.voted_at
    ORDER BY sg.played_at DESC, sg.id DESC LIMIT 1
  ) AS game_id
  FROM input m
), inserted AS (
  INSERT INTO votes (session_id, game_id, username, vote_type, voted_at, vote_window, source)
  SELECT $4, game_id, username, vote_type, voted_at, tstzrange(voted_at, voted_at + interval '1 second'), 'chat'
  FROM matched WHERE game_id IS NOT NULL ORDER BY n
  ON CONFLICT DO NOTHING
  RETURNING game_id, vote_type
), per_game AS (
  SELECT game_id, count(*) FILTER (WHERE vote_type = 1)::int AS up, count(*) FILTER (WHERE vote_type = -1)::int AS down
  FROM inserted GROUP BY game_id
), counted AS (
  -- Runs although nothing reads it: PostgreSQL always completes a data-modifying CTE.
  ${countVotes('per_game', '0')}
), counted_games AS (
  SELECT p.game_id, g.title, p.up AS upvotes, p.down AS downvotes
  FROM per_game p JOIN games g ON g.id = p.game_id
)
SELECT (SELECT count(*) FROM matched WHERE game_id IS NULL)::int AS unmatched,
       (SELECT count(*) FROM inserted)::int AS counted,
       coalesce((SELECT json_agg(c ORDER BY c.title) FROM counted_games c), '[]') AS games`;

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
  private readonly pool: Pool;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: RuntimeConfig,
  ) {
    this.pool = new Pool({
      connectionString: config.databaseUrl,
      max: config.database.votePoolSize,
      connectionTimeoutMillis: config.database.connectionTimeoutMs,
    });
    // An idle connection that drops (database restart, failover) must not take the process down.
    this.pool.on('error', (error) => this.logger.warn(`vote connection error: ${error.message}`));
  }

  // After the HTTP server has finished its requests in flight, like the main pool.
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
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
    const [result] = await this.dataSource.query<
      { unmatched: number; counted: number; games: ChatImportResultDto['games'] }[]
    >(CHAT_IMPORT_SQL, [
      votes.map((v) => v.username),
      votes.map((v) => v.type),
      votes.map((v) => v.at.toISOString()),
      sessionId,
    ]);
    return result;
  }

  /** Takes a session's votes out of the game counters (before the session is deleted). */
  async uncountSession(db: Queryable, sessionId: number): Promise<void> {
    await db.query(
      countVotes(
        `(SELECT game_id, -count(*) FILTER (WHERE vote_type = 1)::int AS up,
                 -count(*) FILTER (WHERE vote_type = -1)::int AS down
          FROM votes WHERE session_id = $1 GROUP BY game_id)`,
        '0',
      ),
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
