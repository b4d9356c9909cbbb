import { Logger } from '@nestjs/common';
import type { EventsRepository } from '../events/events.repository';
import { comparePositions, type DomainEvent, type EventPosition } from '../events/event-types';

interface Stream {
  /** Every event of the session up to here was delivered, or was history when the stream began. */
  position?: EventPosition;
  /** Events heard of (on the bus) that the stream has not read yet. */
  pending: Map<number, EventPosition>;
  running: boolean;
  /** Settles once `position` is known. */
  ready: Promise<void>;
  retry?: NodeJS.Timeout;
  retryDelay: number;
}

const PAGE = 1_000;
/** How soon to look again for an event that is committed but still above the watermark. */
const FIRST_RETRY_MS = 5;
const MAX_RETRY_MS = 250;

export type StreamEvents = Pick<EventsRepository, 'now' | 'sessionAfter' | 'sessionPositionsAfter'>;

/**
 * Delivers each watched session's events in commit order, once, on every instance. An event on
 * the bus is only a signal: the stream reads the session's events after its position from the
 * table, below the commit-order watermark (see EventsRepository), and delivers them in order.
 * An event can be committed yet still above the watermark (an older transaction is still
 * running); the stream then looks again shortly, until it has read every event it heard of.
 */
export class SessionStreams {
  private readonly streams = new Map<number, Stream>();

  constructor(
    private readonly events: StreamEvents,
    private readonly deliver: (event: DomainEvent) => void,
    /** How a failed read is reported (it is retried); by default a warning. */
    private readonly readFailed: (what: string, error: unknown) => void = (what, error) =>
      new Logger(SessionStreams.name).warn(`${what}: ${(error as Error).message}`),
  ) {}

  /**
   * Starts delivering the session's events that commit from now on; settles once the stream
   * knows where it begins (everything committed before is history, for a replay to send).
   * Fails when the database cannot say where that is: the subscriber is told to try again,
   * rather than waiting for the database without bound.
   */
  watch(sessionId: number): Promise<void> {
    const existing = this.streams.get(sessionId);
    if (existing) return existing.ready;
    const stream: Stream = {
      pending: new Map(),
      running: false,
      ready: Promise.resolve(),
      retryDelay: FIRST_RETRY_MS,
    };
    this.streams.set(sessionId, stream);
    stream.ready = this.begin(sessionId, stream);
    return stream.ready;
  }

  private async begin(sessionId: number, stream: Stream): Promise<void> {
    const position = await this.events.now();
    // Events that committed before the stream began but are not history yet (an older
    // transaction, anywhere on the server, holds the watermark below them): no signal will
    // come for them, so the stream waits for them as if it had been told.
    for (const committed of await this.events.sessionPositionsAfter(sessionId, position)) {
      stream.pending.set(committed.id, committed);
    }
    stream.position = position;
    // Signals that came while it started and are not history.
    for (const [id, position] of stream.pending) {
      if (comparePositions(position, stream.position) <= 0) stream.pending.delete(id);
    }
    if (stream.pending.size > 0) void this.run(sessionId, stream);
  }

  /** Where the session's stream stands (undefined before `watch` has settled). */
  position(sessionId: number): EventPosition | undefined {
    return this.streams.get(sessionId)?.position;
  }

  unwatch(sessionId: number): void {
    clearTimeout(this.streams.get(sessionId)?.retry);
    this.streams.delete(sessionId);
  }

  signal(sessionId: number, event: EventPosition): void {
    const stream = this.streams.get(sessionId);
    if (!stream) return;
    if (stream.position && comparePositions(event, stream.position) <= 0) return;
    stream.pending.set(event.id, event);
    if (stream.position && !stream.running && !stream.retry) void this.run(sessionId, stream);
  }

  private async run(sessionId: number, stream: Stream): Promise<void> {
    stream.running = true;
    try {
      while (stream.pending.size > 0 && this.streams.get(sessionId) === stream) {
        const events = await this.events.sessionAfter(sessionId, stream.position!, PAGE);
        if (this.streams.get(sessionId) !== stream) return;
        for (const event of events) {
          stream.position = { xid: event.xid, id: event.id };
          stream.pending.delete(event.id);
          this.deliver(event);
        }
        if (events.length < PAGE && stream.pending.size > 0) {
          // Heard of, committed, but not below the watermark yet: look again shortly.
          this.retryLater(sessionId, stream);
          return;
        }
      }
      stream.retryDelay = FIRST_RETRY_MS;
    } catch (error) {
      this.readFailed(`could not read the events of session ${sessionId}`, error);
      this.retryLater(sessionId, stream, MAX_RETRY_MS);
    } finally {
      stream.running = false;
    }
  }

  private retryLater(sessionId: number, stream: Stream, delay = stream.retryDelay): void {
    stream.retryDelay = Math.min(delay * 2, MAX_RETRY_MS);
    stream.retry = setTimeout(() => {
      stream.retry = undefined;
      if (!stream.running && this.streams.get(sessionId) === stream) {
        void this.run(sessionId, stream);
      }
    }, delay);
    stream.retry.unref();
  }
}
