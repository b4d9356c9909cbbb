import { BadRequestException, HttpStatus, Injectable } from '@nestjs/common';
import { parseTimestamp } from '../common/timestamp';
import { EventOutbox } from '../events/event-outbox';
import { Metrics, type VoteRefusal } from '../metrics/metrics';
import { SessionsRepository } from '../sessions/sessions.repository';
import { SessionsService } from '../sessions/sessions.service';
import { chatVote } from './chat-vote';
import type {
  ChatImportResultDto,
  ChatMessageDto,
  ListVotesQuery,
  LiveVoteDto,
  LiveVoteResponseDto,
  SessionVotesDto,
  VoteListDto,
} from './dto/vote.dto';
import { VoteRefused } from './vote-refused';
import { type ChatVote, VotesRepository } from './votes.repository';

@Injectable()
export class VotesService {
  constructor(
    private readonly votes: VotesRepository,
    private readonly sessions: SessionsService,
    private readonly sessionsRepository: SessionsRepository,
    private readonly outbox: EventOutbox,
    private readonly metrics: Metrics,
  ) {}

  async live(dto: LiveVoteDto): Promise<LiveVoteResponseDto> {
    const at = parseTimestamp(dto.timestamp);
    if (!at) {
      throw new VoteRefused(
        HttpStatus.BAD_REQUEST,
        'timestamp is not a valid date and time',
        'invalid',
      );
    }
    const row = await this.votes.recordLive({
      username: dto.username,
      type: dto.vote === 'up' ? 1 : -1,
      at,
      timestamp: dto.timestamp,
      ticker: dto.ticker ?? null,
    });
    if (!row) {
      const { reason, message } = await this.explainNoTarget(dto, at);
      throw new VoteRefused(HttpStatus.NOT_FOUND, message, reason);
    }
    if (row.title === null) {
      throw new VoteRefused(
        HttpStatus.CONFLICT,
        `Duplicate vote: ${dto.username} already voted within 1 second of ${dto.timestamp}`,
        'duplicate',
      );
    }
    this.outbox.publish({
      id: Number(row.event_id),
      xid: row.event_xid,
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
  private async explainNoTarget(
    dto: LiveVoteDto,
    at: Date,
  ): Promise<{ reason: VoteRefusal; message: string }> {
    const session = await this.sessionsRepository.findActive();
    if (!session) {
      return {
        reason: 'no_active_session',
        message: 'No active session: votes can only be recorded while a session is running',
      };
    }
    if (dto.ticker) {
      return {
        reason: 'unknown_ticker',
        message: `No game has the ticker ${dto.ticker.toUpperCase()}`,
      };
    }
    const games = await this.sessionsRepository.games(session.id);
    if (games.length === 0) {
      return {
        reason: 'no_game_yet',
        message: `Session ${session.id} has no games yet: add a game before voting`,
      };
    }
    const played = games
      .map((g) => `"${g.title}" from ${new Date(g.played_at).toISOString()}`)
      .join(', ');
    return {
      reason: 'before_first_game',
      message: `No game was being played at ${at.toISOString()}: it is before the first game of session ${session.id}. Games: ${played}`,
    };
  }

  list(query: ListVotesQuery): Promise<VoteListDto> {
    return this.votes.list(query);
  }

  async sessionTotals(sessionId: number): Promise<SessionVotesDto> {
    await this.sessions.assertExists(sessionId);
    return { session_id: sessionId, votes: await this.votes.sessionTotals(sessionId) };
  }

  /** Counts the votes in a chat log, attributing each to the game played at its time. */
  async importChat(sessionId: number, messages: ChatMessageDto[]): Promise<ChatImportResultDto> {
    await this.sessions.assertExists(sessionId);
    const votes: (ChatVote & { i: number })[] = [];
    for (const [i, m] of messages.entries()) {
      const type = chatVote(m.message);
      if (type === undefined) continue;
      const at = parseTimestamp(m.timestamp);
      if (!at) {
        throw new BadRequestException(`chatData.${i}.timestamp is not a valid date and time`);
      }
      votes.push({ username: m.username, type, at, i });
    }
    votes.sort((a, b) => a.at.getTime() - b.at.getTime() || a.i - b.i);
    const result = await this.votes.recordChat(sessionId, votes);
    this.metrics.votesImported(result.counted);
    return {
      success: true,
      message: `Chat imported: ${result.counted} votes counted`,
      total_messages: messages.length,
      votes_found: votes.length,
      votes_counted: result.counted,
      duplicates_skipped: votes.length - result.unmatched - result.counted,
      unmatched: result.unmatched,
      ignored: messages.length - votes.length,
      games: result.games,
    };
  }
}
