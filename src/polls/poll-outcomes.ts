import { Injectable } from '@nestjs/common';
import { EventOutbox, type OutboxTransaction } from '../events/event-outbox';
import { leaderOf } from './poll-standings';
import { PollsRepository, type PollRow } from './polls.repository';

/**
 * The least time between two `poll.leading` events of a poll, whichever instances send them:
 * at most four a second, however fast votes come.
 */
export const POLL_LEADING_INTERVAL_MS = 250;

/**
 * What the database decides about a poll, so that any number of instances agree: whether its
 * leader goes out now, and its end. Each decision is one transaction under a lock on the poll
 * row, and compares with what the row remembers (the last leader sent and when, the status),
 * never with what this instance happens to know.
 */
@Injectable()
export class PollOutcomes {
  constructor(
    private readonly outbox: EventOutbox,
    private readonly polls: PollsRepository,
  ) {}

  /**
   * Sends `poll.leading` when the leader (its option or its count) differs from the last one
   * sent, and the last went out at least POLL_LEADING_INTERVAL_MS ago. Answers how long to wait
   * before asking again (0: nothing more to send now).
   */
  announceLeader(pollId: number): Promise<number> {
    return this.outbox.transaction(async (tx) => {
      const state = await this.polls.lockForLeading(tx.manager, pollId, POLL_LEADING_INTERVAL_MS);
      if (!state) return 0;
      const leader = leaderOf(await this.polls.standings(pollId, tx.manager));
      if (!leader) return 0;
      if (leader.option === state.leader_position && leader.votes === state.leader_votes) return 0;
      if (state.wait_ms > 0) return state.wait_ms;
      await this.polls.saveLeader(tx.manager, pollId, leader.option, leader.votes);
      await tx.record('poll.leading', state.session_id, {
        sessionId: state.session_id,
        gameId: leader.game_id ?? 0,
        label: leader.label,
        votes: leader.votes,
      });
      return 0;
    });
  }

  /** Ends a countdown that is due, unless it was ended, cancelled or is being ended elsewhere. */
  endIfDue(pollId: number): Promise<boolean> {
    return this.outbox.transaction(async (tx) => {
      const poll = await this.polls.claimDue(tx.manager, pollId);
      if (!poll) return false;
      await this.end(tx, poll);
      return true;
    });
  }

  /**
   * Ends the poll a closed session left open; false when there is none (another instance ended
   * it first). It waits for the poll rather than skipping it when locked: the lock may be a
   * leader being decided, not another instance ending it, and nothing would end it later.
   */
  endWithSession(sessionId: number): Promise<boolean> {
    return this.outbox.transaction(async (tx) => {
      const poll = await this.polls.lockOpen(tx.manager, sessionId);
      if (!poll) return false;
      await this.end(tx, poll);
      return true;
    });
  }

  /**
   * Ends a poll the caller holds locked (PollsRepository.lockOpen or claimDue: no vote is in
   * flight), with its winner:
   * the most votes, a tie going to the option that reached that count first.
   */
  async end(tx: OutboxTransaction, poll: PollRow): Promise<void> {
    const winner = leaderOf(await this.polls.standings(poll.id, tx.manager));
    await this.polls.markEnded(
      tx.manager,
      poll.id,
      winner && { position: winner.option, votes: winner.votes },
    );
    await tx.record('voting.ended', poll.session_id, {
      sessionId: poll.session_id,
      winnerGameId: winner ? (winner.game_id ?? 0) : null,
      winnerLabel: winner?.label ?? null,
      winnerVotes: winner?.votes ?? 0,
    });
  }
}
