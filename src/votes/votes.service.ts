import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  OnApplicationShutdown,
  Logger,
} from '@nestjs/common';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { RuntimeConfig } from '../config/app-config';
import { EventOutbox } from '../events/event-outbox';
import type { VoteReceivedPayload } from '../events/event-types';
import { parseTimestamp } from '../common/timestamp';
import { chatVote } from './chat-vote';
import {
  type ChatImportResultDto,
  type ChatMessageDto,
  type ListVotesQuery,
  type LiveVoteDto,
  type LiveVoteResponseDto,
  type SessionVotesDto,
  type VoteListDto,
} from './dto/vote.dto';
import { CHAT_IMPORT_SQL, LIVE_VOTE_SQL } from './vote-queries';

/**
 * Connections for the vote hot path. Every vote of a game night updates the same game row,
 * so more connections only queue on its lock; a few keep the lock hand-offs fast.
 */
const VOTE_POOL_SIZE = 4;

interface LiveVoteRow {
  session_id: number;
  game_id: number;
  games_played: number;
  title: string | null;
  upvotes: number;
  downvotes: number;
  popularity_score: number;
  event_id: string;
  event_created_at: Date;
  event_payload: VoteReceivedPayload;
}

@Injectable()
export class VotesService implements OnApplicationShutdown {
  private readonly logger = new Logger(VotesService.name);
  private readonly pool: Pool;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: EventOutbox,
    @Inject(APP_CONFIG) config: RuntimeConfig,
  ) {
    this.pool = new Pool({ connectionString: config.databaseUrl, max: VOTE_POOL_SIZE });
    // An idle connection that drops (database restart, failover) must not take the process down.
    this.pool.on('error', (error) => this.logger.warn(`vote connection error: ${error.message}`));
  }

  // After the HTTP server has finished its requests in flight, like the main pool.
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }

  async live(dto: LiveVoteDto): Promise<LiveVoteResponseDto> {
    const at = parseTimestamp(dto.timestamp);
    if (!at) throw new BadRequestException('timestamp is not a valid date and time');
    const voteType = dto.vote === 'up' ? 1 : -1;
    const { rows } = await this.pool.query<LiveVoteRow>({
      name: 'live-vote',
      text: LIVE_VOTE_SQL,
      values: [dto.username, voteType, at.toISOString(), dto.timestamp, dto.ticker ?? null],
    });
    const row = rows[0];
    if (!row) throw new NotFoundException(await this.explainNoTarget(dto, at));
    if (row.title === null) {
      throw new ConflictException(
        `Duplicate vote: ${dto.username} already voted within 1 second of ${dto.timestamp}`,
      );
    }
    this.outbox.publish({
      id: Number(row.event_id),
      type: 'vote.received',
      sessionId: row.session_id,
      payload: row.event_payload,
      createdAt: row.event_created_at,
    });
    return {
      success: true,
      message: 'Vote recorded successfully',
      session: { id: row.session_id, games_played: row.games_played },
      game: {
        id: row.game_id,
        title: row.title,
        upvotes: row.upvotes,
        downvotes: row.downvotes,
        popularity_score: row.popularity_score,
      },
      vote: { username: dto.username, type: dto.vote, timestamp: dto.timestamp },
    };
  }

  /** Why a vote found no game: no active session, no games yet, an unknown ticker, or too early. */
  private async explainNoTarget(dto: LiveVoteDto, at: Date): Promise<string> {
    const [session] = await this.dataSource.query<
      { id: number; games: { title: string; played_at: string }[] | null }[]
    >(
      `SELECT s.id, (SELECT json_agg(json_build_object('title', g.title, 'played_at', sg.played_at) ORDER BY sg.played_at, sg.id)
                     FROM session_games sg JOIN games g ON g.id = sg.game_id WHERE sg.session_id = s.id) AS games
       FROM sessions s WHERE s.is_active`,
    );
    if (!session) return 'No active session: votes can only be recorded while a session is running';
    if (dto.ticker) return `No game has the ticker ${dto.ticker.toUpperCase()}`;
    if (!session.games) return `Session ${session.id} has no games yet: add a game before voting`;
    const games = session.games
      .map((g) => `"${g.title}" from ${new Date(g.played_at).toISOString()}`)
      .join(', ');
    return `No game was being played at ${at.toISOString()}: it is before the first game of session ${session.id}. Games: ${games}`;
  }

  async list(query: ListVotesQuery): Promise<VoteListDto> {
    const page = query.page ?? 1;
    const limit = query.limit ?? 50;
    const params: unknown[] = [];
    const where: string[] = [];
    const filter = (sql: string, value: unknown) => {
      params.push(value);
      where.push(`${sql} $${params.length}`);
    };
    if (query.session_id !== undefined) filter('v.session_id =', query.session_id);
    if (query.game_id !== undefined) filter('v.game_id =', query.game_id);
    if (query.username !== undefined) filter('v.username =', query.username);
    if (query.vote_type !== undefined) filter('v.vote_type =', query.vote_type === 'up' ? 1 : -1);
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await this.dataSource.query<{ total: number }[]>(
      `SELECT count(*)::int AS total FROM votes v ${whereSql}`,
      params,
    );
    const votes = await this.dataSource.query<VoteListDto['votes']>(
      `SELECT v.id::int AS id, v.session_id, v.game_id, g.title AS game_title, g.pack_name, v.username,
              CASE v.vote_type WHEN 1 THEN 'up' ELSE 'down' END AS vote_type, v.voted_at AS timestamp, v.created_at
       FROM votes v JOIN games g ON g.id = v.game_id ${whereSql}
       ORDER BY v.voted_at DESC, v.id DESC LIMIT ${limit} OFFSET ${(page - 1) * limit}`,
      params,
    );
    return { votes, pagination: { page, limit, total, total_pages: Math.ceil(total / limit) } };
  }

  async sessionTotals(sessionId: number): Promise<SessionVotesDto> {
    await this.assertSession(sessionId);
    const votes = await this.dataSource.query<SessionVotesDto['votes']>(
      `SELECT v.game_id, g.title, g.pack_name,
              count(*) FILTER (WHERE v.vote_type = 1)::int AS upvotes,
              count(*) FILTER (WHERE v.vote_type = -1)::int AS downvotes,
              sum(v.vote_type)::int AS net_score, count(*)::int AS total_votes
       FROM votes v JOIN games g ON g.id = v.game_id
       WHERE v.session_id = $1 GROUP BY v.game_id, g.title, g.pack_name
       ORDER BY net_score DESC, total_votes DESC, g.title`,
      [sessionId],
    );
    return { session_id: sessionId, votes };
  }

  /** Counts the votes in a chat log, attributing each to the game played at its time. */
  async importChat(sessionId: number, messages: ChatMessageDto[]): Promise<ChatImportResultDto> {
    await this.assertSession(sessionId);
    const votes = messages
      .map((m, i) => ({
        username: m.username,
        type: chatVote(m.message),
        at: parseTimestamp(m.timestamp),
        i,
      }))
      .filter(
        (v): v is { username: string; type: 1 | -1; at: Date; i: number } => v.type !== undefined,
      );
    const invalid = votes.find((v) => !v.at);
    if (invalid)
      throw new BadRequestException(`chatData.${invalid.i}.timestamp is not a valid date and time`);
    votes.sort((a, b) => a.at.getTime() - b.at.getTime() || a.i - b.i);
    const [result] = await this.dataSource.query<
      { unmatched: number; counted: number; games: ChatImportResultDto['games'] }[]
    >(CHAT_IMPORT_SQL, [
      votes.map((v) => v.username),
      votes.map((v) => v.type),
      votes.map((v) => v.at.toISOString()),
      sessionId,
    ]);
    const duplicates = votes.length - result.unmatched - result.counted;
    return {
      success: true,
      message: `Chat imported: ${result.counted} votes counted`,
      total_messages: messages.length,
      votes_found: votes.length,
      votes_counted: result.counted,
      duplicates_skipped: duplicates,
      unmatched: result.unmatched,
      ignored: messages.length - votes.length,
      games: result.games,
    };
  }

  private async assertSession(id: number): Promise<void> {
    const rows = await this.dataSource.query<unknown[]>('SELECT 1 FROM sessions WHERE id = $1', [
      id,
    ]);
    if (rows.length === 0) throw new NotFoundException(`Session ${id} not found`);
  }
}
