import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { LiveMessagePayloads, LiveMessageType } from './event-types';
import { INSTANCE_ID } from './instance';

/** The channel live-only messages travel on between instances. */
export const TRANSIENT_CHANNEL = 'jackbox_live';
/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_NOTIFY_BYTES = 7_900;
/** NOTIFYs queued behind each other, at most. */
export const MAX_QUEUED_NOTIFIES = 100;

/** A message for a session's subscribers that is neither stored nor replayed. */
export interface TransientMessage {
  type: string;
  sessionId: number;
  timestamp: string;
  data: unknown;
}

/** A live-only note from one instance to the others (not for sockets), e.g. who is present. */
export interface InstanceNote {
  /** Tells a note from a session message on the shared channel. */
  note: string;
  data: unknown;
}

/**
 * Live-only messages (a watched room's periodic snapshot): worth sending to whoever listens
 * now, worthless a minute later, so they skip the event log. They reach this instance's
 * subscribers at once and the other instances' through a NOTIFY on a channel of their own,
 * which the event relay's listener also listens on. The same channel carries notes between
 * instances (`tell`), which only the instances read.
 */
@Injectable()
export class TransientEvents {
  private readonly logger = new Logger(TransientEvents.name);
  private readonly handlers: ((message: TransientMessage) => void)[] = [];
  private readonly noteHandlers = new Map<string, (data: unknown, from: string) => void>();
  /** The NOTIFY last sent, settled once it has committed. */
  private sending: Promise<unknown> = Promise.resolve();
  /** NOTIFYs waiting or under way. */
  private queued = 0;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
  ) {}

  on(handler: (message: TransientMessage) => void): void {
    this.handlers.push(handler);
  }

  /** Handles the notes of one kind that other instances send (one handler per kind). */
  onNote(note: string, handler: (data: unknown, from: string) => void): void {
    this.noteHandlers.set(note, handler);
  }

  async publish<T extends LiveMessageType>(
    type: T,
    sessionId: number,
    data: LiveMessagePayloads[T],
  ): Promise<void> {
    const message: TransientMessage = {
      type,
      sessionId,
      timestamp: new Date().toISOString(),
      data,
    };
    this.deliver(message);
    await this.notify(message, { type, sessionId });
  }

  /** Sends a note to the other instances (this one does not receive it). */
  tell(note: string, data: unknown): Promise<void> {
    const message: InstanceNote = { note, data };
    return this.notify(message, { note });
  }

  private async notify(message: object, about: object): Promise<void> {
    const payload = `${this.instanceId}:${JSON.stringify(message)}`;
    if (Buffer.byteLength(payload) > MAX_NOTIFY_BYTES) {
      this.logger.warn(about, 'live message too large for the other instances');
      return;
    }
    // Live-only and repeated by their senders: past this backlog (the database is slow or
    // away) a message is worth less than the memory and lag of queueing it.
    if (this.queued >= MAX_QUEUED_NOTIFIES) {
      this.logger.debug(about, 'live message dropped: the database is behind');
      return;
    }
    // One NOTIFY at a time: two sent side by side run on different pool connections and may
    // commit, and so arrive, in either order; one after another they arrive as sent (a room's
    // snapshots must not go back to an older player count).
    this.queued++;
    const sent = this.sending
      .then(() => this.dataSource.query('SELECT pg_notify($1, $2)', [TRANSIENT_CHANNEL, payload]))
      .finally(() => this.queued--);
    this.sending = sent.catch(() => undefined);
    await sent;
  }

  /** A NOTIFY from the channel: another instance's message or note. */
  received(payload: string): void {
    const colon = payload.indexOf(':');
    const from = payload.slice(0, colon);
    if (colon < 0 || from === this.instanceId) return;
    let message: TransientMessage | InstanceNote;
    try {
      message = JSON.parse(payload.slice(colon + 1)) as TransientMessage | InstanceNote;
    } catch {
      this.logger.debug('ignored a malformed live message');
      return;
    }
    if ('note' in message) this.noteReceived(message, from);
    else this.deliver(message);
  }

  private noteReceived(message: InstanceNote, from: string): void {
    try {
      this.noteHandlers.get(message.note)?.(message.data, from);
    } catch (error) {
      this.logger.error(`a consumer of the note ${message.note} failed: ${String(error)}`);
    }
  }

  private deliver(message: TransientMessage): void {
    for (const handler of this.handlers) {
      try {
        handler(message);
      } catch (error) {
        this.logger.error(`a consumer of ${message.type} failed: ${String(error)}`);
      }
    }
  }
}
