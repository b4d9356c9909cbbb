import { Logger } from '@nestjs/common';
import { isDatabaseUnavailable } from '../common/database-errors';

/**
 * After a failure, answers count as the database being back only this long after it: a query
 * that was already on its way when the database failed does not end the outage.
 */
export const SETTLE_MS = 1_000;

interface Outage {
  since: number;
  lastFailure: number;
  failures: number;
}

const messageOf = (error: unknown): string => {
  const cause = (error as { driverError?: unknown }).driverError ?? error;
  return cause instanceof Error ? cause.message : String(cause);
};

/**
 * Whether the database answers, as this instance sees it. An outage (the database stopped,
 * restarting, frozen, or too busy for a connection to be had) is logged once when the first
 * request or task meets it, and once when the database answers again, however many requests
 * are answered 503 meanwhile.
 */
export class DatabaseAvailability {
  private readonly logger = new Logger('Database');
  private outage?: Outage;

  /** Whether an outage is going on. */
  get available(): boolean {
    return this.outage === undefined;
  }

  /** A request or task could not use the database. */
  failed(error: unknown): void {
    const now = Date.now();
    if (this.outage) {
      this.outage.lastFailure = now;
      this.outage.failures++;
      return;
    }
    this.outage = { since: now, lastFailure: now, failures: 1 };
    this.logger.warn(
      `database unavailable (${messageOf(error)}): answering 503 with Retry-After until it answers again`,
    );
  }

  /** The database answered a statement. Called for every one: it must stay this cheap. */
  answered(): void {
    if (this.outage === undefined) return;
    const now = Date.now();
    if (now - this.outage.lastFailure < SETTLE_MS) return;
    const { since, failures } = this.outage;
    this.outage = undefined;
    this.logger.log(
      `database answering again after ${((now - since) / 1000).toFixed(1)} s (${failures} requests and tasks failed meanwhile)`,
    );
  }

  /**
   * A background task's failure: the database being unavailable counts toward the outage
   * (logged once); anything else is the task's own failure, logged with its message.
   */
  taskFailed(logger: Pick<Logger, 'warn'>, what: string, error: unknown): void {
    if (isDatabaseUnavailable(error)) this.failed(error);
    else logger.warn(`${what}: ${messageOf(error)}`);
  }
}
