import {
  BadRequestException,
  ConflictException,
  HttpStatus,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { isUniqueViolation } from '../common/database-errors';
import { parseTimestamp } from '../common/timestamp';
import { EventOutbox, type OutboxTransaction } from '../events/event-outbox';
import type { PollLeadingPayload } from '../events/event-types';
import { GamesRepository } from '../games/games.repository';
import type { PollVoteRefusal } from '../metrics/metrics';
import { PickerService } from '../picker/picker.service';
import { SessionsService } from '../sessions/sessions.service';
import type {
  PollDto,
  PollOptionInputDto,
  PollVoteDto,
  PollVoteResultDto,
  StartPollDto,
} from './dto/poll.dto';
import { pollMessages } from './poll-errors';
import { VoteRefused } from '../votes/vote-refused';
import { PollLeadingThrottle } from './poll-leading';
import { PollOutcomes } from './poll-outcomes';
import { leaderOf, OPTION_RULE, parseOption, type OptionStanding } from './poll-standings';
import { PollsRepository, type NewOption, type PollRow } from './polls.repository';

/** How many games a poll drawn by the picker offers, besides "Other". */
export const DEFAULT_POLL_GAMES = 3;
export const OTHER_LABEL = 'Other';

const closed = (sessionId: number) => new ConflictException(pollMessages.closed(sessionId));
const noPoll = (sessionId: number) => new ConflictException(pollMessages.noPoll(sessionId));
/** A poll vote refused, with the reason the metrics count it under. */
const refused = (status: HttpStatus, message: string, reason: PollVoteRefusal) =>
  new VoteRefused(status, message, reason);

/**
 * Viewer polls: opening one, votes, standings, the countdown and the end. What must hold
 * across instances (one open poll per session, one vote per viewer, one end, the pace of
 * `poll.leading`) is held by the database.
 */
@Injectable()
export class PollsService {
  constructor(
    private readonly outbox: EventOutbox,
    private readonly sessions: SessionsService,
    private readonly polls: PollsRepository,
    private readonly games: GamesRepository,
    private readonly picker: PickerService,
    private readonly outcomes: PollOutcomes,
    private readonly leading: PollLeadingThrottle,
  ) {}

  /** Opens a poll on the active session, with the options given or drawn by the picker. */
  async start(sessionId: number, dto: StartPollDto): Promise<PollDto> {
    const session = await this.sessions.get(sessionId);
    if (!session.is_active) throw closed(sessionId);
    const options = dto.options
      ? await this.givenOptions(dto.options)
      : await this.drawnOptions(sessionId);
    try {
      await this.outbox.transaction(async (tx) => {
        // Under the session's lock: a close cannot slip in between the check and the poll.
        if (!(await this.sessions.get(sessionId, tx.manager, true)).is_active) {
          throw closed(sessionId);
        }
        const poll = await this.polls.insert(tx.manager, sessionId, options);
        const standings = await this.polls.standings(poll.id, tx.manager);
        await tx.record('poll.start', sessionId, {
          sessionId,
          pollStartedAt: poll.started_at.toISOString(),
          options: standings.map((o) => ({
            option: o.option,
            gameId: o.game_id ?? 0,
            label: o.label,
            ticker: o.ticker,
          })),
        });
      });
    } catch (error) {
      if (!isUniqueViolation(error, 'polls_one_open')) throw error;
      throw new ConflictException(pollMessages.alreadyOpen(sessionId));
    }
    return this.standings(sessionId);
  }

  /** A viewer's vote, or their new choice: one per viewer per poll. */
  async vote(sessionId: number, dto: PollVoteDto): Promise<PollVoteResultDto> {
    const at = parseTimestamp(dto.timestamp);
    if (!at) {
      throw refused(HttpStatus.BAD_REQUEST, 'timestamp is not a valid date and time', 'invalid');
    }
    const choice = parseOption(dto.option);
    if (!choice) throw refused(HttpStatus.BAD_REQUEST, OPTION_RULE, 'invalid');
    const row = await this.polls.recordVote({
      sessionId,
      username: dto.username.toLowerCase(),
      ...choice,
      at,
    });
    switch (row.outcome) {
      case 'no_session':
        throw refused(HttpStatus.NOT_FOUND, `Session ${sessionId} not found`, 'no_session');
      case 'session_closed':
        throw refused(HttpStatus.CONFLICT, pollMessages.closed(sessionId), 'session_closed');
      case 'no_poll':
        throw refused(HttpStatus.CONFLICT, pollMessages.noPoll(sessionId), 'no_poll');
      case 'bad_option':
        throw refused(
          HttpStatus.BAD_REQUEST,
          pollMessages.badOption(dto.option, row.option_count!),
          'bad_option',
        );
      case 'recorded':
        break;
    }
    this.leading.touched(row.vote_poll_id!);
    return {
      success: true,
      message: 'Poll vote recorded',
      username: dto.username,
      option: {
        option: row.option_position!,
        game_id: row.option_game_id,
        label: row.option_label!,
      },
    };
  }

  /** The session's newest poll with its standings (an empty answer when it never had one). */
  async standings(sessionId: number): Promise<PollDto> {
    await this.sessions.assertExists(sessionId);
    const poll = await this.polls.latest(sessionId);
    if (!poll) {
      return {
        session_id: sessionId,
        poll_id: null,
        status: null,
        started_at: null,
        ends_at: null,
        ended_at: null,
        total_votes: 0,
        options: [],
        leader: null,
      };
    }
    return pollDto(poll, await this.polls.standings(poll.id));
  }

  /** Ends the open poll now, or starts (or replaces) a countdown of `delay` seconds. */
  async end(sessionId: number, delay: number | undefined): Promise<PollDto> {
    await this.outbox.transaction(async (tx) => {
      const poll = await this.lockOpenPoll(tx, sessionId);
      if (!delay) return this.outcomes.end(tx, poll);
      const endsAt = (await this.polls.setEndsAt(tx.manager, poll.id, delay))!;
      await tx.record('poll.ending', sessionId, { sessionId, endsAt: endsAt.toISOString() });
    });
    return this.standings(sessionId);
  }

  /** Cancels a running countdown; the poll stays open. */
  async cancelEnd(sessionId: number): Promise<PollDto> {
    await this.outbox.transaction(async (tx) => {
      const poll = await this.lockOpenPoll(tx, sessionId);
      if (!poll.ends_at) {
        throw new ConflictException(pollMessages.noCountdown(sessionId));
      }
      await this.polls.setEndsAt(tx.manager, poll.id, null);
      await tx.record('poll.ending.cancelled', sessionId, { sessionId });
    });
    return this.standings(sessionId);
  }

  /**
   * A leader announced by a WebSocket client (an external vote counter): relayed to the
   * session's subscribers on every instance, and kept for replays and webhooks.
   */
  async relayLeading(payload: PollLeadingPayload): Promise<void> {
    await this.sessions.assertExists(payload.sessionId);
    await this.outbox.transaction((tx) => tx.record('poll.leading', payload.sessionId, payload));
  }

  /** The session's open poll, locked so that no vote lands while the caller changes it. */
  private async lockOpenPoll(tx: OutboxTransaction, sessionId: number): Promise<PollRow> {
    const session = await this.sessions.get(sessionId, tx.manager);
    if (!session.is_active) throw closed(sessionId);
    const poll = await this.polls.lockOpen(tx.manager, sessionId);
    if (!poll) throw noPoll(sessionId);
    return poll;
  }

  private async givenOptions(options: PollOptionInputDto[]): Promise<NewOption[]> {
    const chosen: NewOption[] = [];
    for (const [i, option] of options.entries()) {
      if ((option.game_id === undefined) === (option.label === undefined)) {
        throw new BadRequestException(pollMessages.optionBoth(i));
      }
      if (option.label !== undefined) {
        chosen.push({ game_id: null, label: option.label });
        continue;
      }
      const game = await this.games.find(option.game_id!);
      if (!game) throw new NotFoundException(`Game ${option.game_id} not found`);
      chosen.push({ game_id: game.id, label: game.title });
    }
    const seen = new Set<string>();
    for (const option of chosen) {
      const key =
        option.game_id === null ? `label:${option.label.toLowerCase()}` : `game:${option.game_id}`;
      if (seen.has(key)) {
        throw new BadRequestException(pollMessages.twice(option.label));
      }
      seen.add(key);
    }
    return chosen;
  }

  /** Games drawn like the picker's, none twice, and "Other". */
  private async drawnOptions(sessionId: number): Promise<NewOption[]> {
    const games = await this.picker.pickSeveral(sessionId, DEFAULT_POLL_GAMES);
    return [
      ...games.map((g) => ({ game_id: g.id, label: g.title })),
      { game_id: null, label: OTHER_LABEL },
    ];
  }
}

function pollDto(poll: PollRow, options: OptionStanding[]): PollDto {
  const leader = leaderOf(options);
  return {
    session_id: poll.session_id,
    poll_id: poll.id,
    status: poll.status,
    started_at: poll.started_at,
    ends_at: poll.ends_at,
    ended_at: poll.ended_at,
    total_votes: options.reduce((sum, o) => sum + o.votes, 0),
    options: options.map(({ reached: _reached, ...o }) => o),
    leader: leader && {
      option: leader.option,
      game_id: leader.game_id,
      label: leader.label,
      votes: leader.votes,
    },
  };
}
