import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DatabaseAvailability } from '../database/database-availability';
import { PollOutcomes, POLL_LEADING_INTERVAL_MS } from './poll-outcomes';

interface Pending {
  timer?: NodeJS.Timeout;
  running: boolean;
  /** Votes came since the check under way began: check again after it. */
  again: boolean;
  lastRun: number;
}

/**
 * When this instance asks the database whether a poll's leader goes out: after the votes it
 * recorded, at most once per POLL_LEADING_INTERVAL_MS per poll, and always once after the last
 * vote (the trailing edge), so the final leader is never left unsent. The decision itself is
 * the database's (PollOutcomes.announceLeader), so instances checking at once send one event.
 */
@Injectable()
export class PollLeadingThrottle implements OnApplicationShutdown {
  private readonly logger = new Logger(PollLeadingThrottle.name);
  private readonly polls = new Map<number, Pending>();
  private closed = false;

  constructor(
    private readonly outcomes: PollOutcomes,
    private readonly database: DatabaseAvailability,
  ) {}

  /** The poll's standings may have moved (a vote was recorded here). */
  touched(pollId: number): void {
    if (this.closed) return;
    let pending = this.polls.get(pollId);
    if (!pending) {
      pending = { running: false, again: false, lastRun: 0 };
      this.polls.set(pollId, pending);
    }
    if (pending.running) {
      pending.again = true;
      return;
    }
    if (pending.timer) return;
    const wait = Math.max(0, pending.lastRun + POLL_LEADING_INTERVAL_MS - Date.now());
    this.schedule(pollId, pending, wait);
  }

  onApplicationShutdown(): void {
    this.closed = true;
    for (const pending of this.polls.values()) clearTimeout(pending.timer);
    this.polls.clear();
  }

  private schedule(pollId: number, pending: Pending, wait: number): void {
    pending.timer = setTimeout(() => void this.run(pollId, pending), wait);
    pending.timer.unref();
  }

  private async run(pollId: number, pending: Pending): Promise<void> {
    pending.timer = undefined;
    pending.running = true;
    pending.again = false;
    pending.lastRun = Date.now();
    let retryIn = 0;
    try {
      retryIn = await this.outcomes.announceLeader(pollId);
    } catch (error) {
      this.database.taskFailed(this.logger, `poll ${pollId}: leader check failed`, error);
      retryIn = POLL_LEADING_INTERVAL_MS;
    }
    pending.running = false;
    if (this.closed) return;
    if (retryIn > 0 || pending.again) {
      this.schedule(pollId, pending, Math.max(retryIn, POLL_LEADING_INTERVAL_MS));
    } else {
      this.polls.delete(pollId);
    }
  }
}
