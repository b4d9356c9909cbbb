import { Logger } from '@nestjs/common';
import type { DomainEvent } from '../events/event-types';
import type { EventsRepository } from '../events/events.repository';

interface Stream {
  /**
   * Every event of the session up to this id is delivered or was before the stream began;
   * undefined until the stream knows where it begins.
   */
  through?: number;
  /** The highest id signalled so far. */
  wanted: number;
  running: boolean;
  /** Settles once `through` is known. */
  ready: Promise<void>;
}

const PAGE = 1_000;
const RETRY_MS = 500;

/**
 * Delivers each watched session's events in id order, once. With several instances writing to
 * one session, events reach an instance out of order: its own at once, the others' a few
 * milliseconds later through NOTIFY. So an event is only a signal: the stream reads the
 * session's events up to it from the table, where every earlier event of the session has
 * already committed (the outbox's per-session lock), and delivers them in order. Under load,
 * one read covers every signal that arrived while the previous read was running.
 */
export class SessionStreams {
  private readonly logger = new Logger(SessionStreams.name);
  private readonly streams = new Map<number, Stream>();

  constructor(
    private readonly events: Pick<
      EventsRepository,
      'newestSessionEventId' | 'sessionEventsBetween'
    >,
    private readonly deliver: (event: DomainEvent) => void,
  ) {}

  /**
   * Starts delivering the session's events that commit from now on; settles once the stream
   * knows where it begins. That is the session's highest stored id: a session's events commit
   * in id order under the outbox's lock, so every later event has a higher id, and every event
   * up to it is already readable (a replay that starts after this settles sees it). Should
   * the database not answer, the stream begins at `fallback`.
   */
  watch(sessionId: number, fallback: number): Promise<void> {
    const existing = this.streams.get(sessionId);
    if (existing) return existing.ready;
    const stream: Stream = { wanted: 0, running: false, ready: Promise.resolve() };
    this.streams.set(sessionId, stream);
    stream.ready = this.events
      .newestSessionEventId(sessionId)
      .catch((error: Error) => {
        this.logger.warn(`could not start the stream of session ${sessionId}: ${error.message}`);
        return Math.max(fallback, stream.wanted);
      })
      .then((through) => {
        stream.through = through;
        if (stream.wanted > through) void this.run(sessionId, stream);
      });
    return stream.ready;
  }

  unwatch(sessionId: number): void {
    this.streams.delete(sessionId);
  }

  signal(sessionId: number, eventId: number): void {
    const stream = this.streams.get(sessionId);
    if (!stream || eventId <= stream.wanted) return;
    stream.wanted = eventId;
    if (stream.through !== undefined && !stream.running) void this.run(sessionId, stream);
  }

  private async run(sessionId: number, stream: Stream): Promise<void> {
    stream.running = true;
    try {
      while (stream.wanted > stream.through! && this.streams.get(sessionId) === stream) {
        const upTo = stream.wanted;
        const events = await this.events.sessionEventsBetween(
          sessionId,
          stream.through!,
          upTo,
          PAGE,
        );
        if (this.streams.get(sessionId) !== stream) return;
        stream.through = events.length === PAGE ? events[PAGE - 1].id : upTo;
        for (const event of events) this.deliver(event);
      }
    } catch (error) {
      this.logger.warn(
        `could not read the events of session ${sessionId}: ${(error as Error).message}`,
      );
      setTimeout(() => {
        if (!stream.running && this.streams.get(sessionId) === stream) {
          void this.run(sessionId, stream);
        }
      }, RETRY_MS).unref();
    } finally {
      stream.running = false;
    }
  }
}
