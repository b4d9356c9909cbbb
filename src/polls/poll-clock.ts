import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DatabaseAvailability } from '../database/database-availability';
import { EventBus } from '../events/event-bus';
import type { DomainEvent } from '../events/event-types';
import { PollLeadingThrottle } from './poll-leading';
import { PollOutcomes } from './poll-outcomes';
import { PollsRepository } from './polls.repository';

/** How often every instance looks for due countdowns and standings nobody announced. */
export const POLL_SWEEP_MS = 1_000;

/**
 * Ends countdowns on time, on every instance, exactly once between them. Each instance sets a
 * timer for each `poll.ending` it hears of (from any instance), and once a second sweeps the
 * open polls for countdowns that are due (after a restart, or an instance that died with the
 * timer). Whoever comes first claims the end in the database (PollOutcomes.endIfDue); the others
 * find it ended. The sweep also has the leader checked for polls whose votes changed since it
 * last looked, so a leader is sent even when the instance that recorded the last vote died
 * before it could check.
 */
@Injectable()
export class PollClock implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PollClock.name);
  private readonly countdowns = new Map<number, NodeJS.Timeout>();
  /** Per open poll, the newest vote the last sweep saw. */
  private readonly seen = new Map<number, string | null>();
  private sweepTimer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  /** A sweep was asked for while one ran: run another right after. */
  private again = false;
  private closed = false;

  constructor(
    private readonly polls: PollsRepository,
    private readonly outcomes: PollOutcomes,
    private readonly leading: PollLeadingThrottle,
    private readonly bus: EventBus,
    private readonly database: DatabaseAvailability,
  ) {}

  onApplicationBootstrap(): void {
    this.bus.subscribe(
      (_, type) => type === 'poll.ending',
      (event) => this.onEnding(event as DomainEvent<'poll.ending'>),
    );
    // A poll ends with its session. Every instance hears the end; the first to claim the poll
    // ends it, the others find it ended.
    this.bus.subscribe(
      (_, type) => type === 'session.ended',
      (event) => {
        if (this.closed || event.sessionId === null) return;
        this.outcomes
          .endWithSession(event.sessionId)
          .catch((error) =>
            this.database.taskFailed(
              this.logger,
              'could not end the poll of a closed session',
              error,
            ),
          );
      },
    );
    this.sweepTimer = setInterval(() => this.sweep(), POLL_SWEEP_MS);
    this.sweepTimer.unref();
    this.sweep();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    for (const timer of this.countdowns.values()) clearTimeout(timer);
    this.countdowns.clear();
    await this.sweeping;
  }

  /** A countdown started (here or elsewhere): end it when it is due. */
  private onEnding(event: DomainEvent<'poll.ending'>): void {
    const sessionId = event.payload.sessionId;
    clearTimeout(this.countdowns.get(sessionId));
    const wait = Math.max(0, Date.parse(event.payload.endsAt) - Date.now());
    const timer = setTimeout(() => {
      this.countdowns.delete(sessionId);
      // The sweep finds the poll and ends it; running it now saves waiting for the next beat.
      this.sweep();
    }, wait + 5);
    timer.unref();
    this.countdowns.set(sessionId, timer);
  }

  private sweep(): void {
    if (this.closed) return;
    if (this.sweeping) {
      this.again = true;
      return;
    }
    this.sweeping = this.sweepOnce()
      .catch((error) => this.database.taskFailed(this.logger, 'poll sweep failed', error))
      .finally(() => {
        this.sweeping = undefined;
        if (!this.again) return;
        this.again = false;
        this.sweep();
      });
  }

  private async sweepOnce(): Promise<void> {
    const open = await this.polls.openPolls();
    const ids = new Set(open.map((p) => p.id));
    for (const id of this.seen.keys()) if (!ids.has(id)) this.seen.delete(id);
    for (const poll of open) {
      if (poll.due) {
        if (await this.outcomes.endIfDue(poll.id)) {
          this.logger.log(`poll ${poll.id}: countdown ended it`);
        }
        continue;
      }
      if (this.seen.get(poll.id) !== poll.last_seq) {
        this.seen.set(poll.id, poll.last_seq);
        if (poll.last_seq !== null) this.leading.touched(poll.id);
      }
    }
  }
}
