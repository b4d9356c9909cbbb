import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { LiveMessagePayloads, LiveMessageType } from './event-types';
import { INSTANCE_ID } from './instance';

/** The channel live-only messages travel on between instances. */
export const TRANSIENT_CHANNEL = 'jackbox_live';
/** NOTIFY payloads must stay under 8000 bytes. */
const MAX_NOTIFY_BYTES = 7_900;

/** A message for a session's subscribers that is neither stored nor replayed. */
export interface TransientMessage {
  type: string;
  sessionId: number;
  timestamp: string;
  data: unknown;
}

/**
 * Live-only messages (a watched room's periodic snapshot): worth sending to whoever listens
 * now, worthless a minute later, so they skip the event log. They reach this instance's
 * subscribers at once and the other instances' through a NOTIFY on a channel of their own,
 * which the event relay's listener also listens on.
 */
@Injectable()
export class TransientEvents {
  private readonly logger = new Logger(TransientEvents.name);
  private readonly handlers: ((message: TransientMessage) => void)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
  ) {}

  on(handler: (message: TransientMessage) => void): void {
    this.handlers.push(handler);
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
    const payload = `${this.instanceId}:${JSON.stringify(message)}`;
    if (Buffer.byteLength(payload) > MAX_NOTIFY_BYTES) {
      this.logger.warn({ type, sessionId }, 'live message too large for the other instances');
      return;
    }
    await this.dataSource.query('SELECT pg_notify($1, $2)', [TRANSIENT_CHANNEL, payload]);
  }

  /** A NOTIFY from the channel: another instance's message. */
  received(payload: string): void {
    const colon = payload.indexOf(':');
    if (colon < 0 || payload.slice(0, colon) === this.instanceId) return;
    try {
      this.deliver(JSON.parse(payload.slice(colon + 1)) as TransientMessage);
    } catch {
      this.logger.debug('ignored a malformed live message');
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
