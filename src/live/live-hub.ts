import { Inject, Injectable, Logger } from '@nestjs/common';
import WebSocket from 'ws';
import { APP_CONFIG } from '../config/config.module';
import type { RuntimeConfig } from '../config/app-config';
import { EventBus } from '../events/event-bus';
import {
  comparePositions,
  EVENT_REGISTRY,
  type DomainEvent,
  type EventPosition,
} from '../events/event-types';
import { EventsRepository } from '../events/events.repository';
import { Metrics } from '../metrics/metrics';
import { SessionStreams } from './session-streams';

/** What the hub knows about one connection. */
export interface LiveClient {
  socket: WebSocket;
  authenticated: boolean;
  /** Sessions it receives events of. */
  subscriptions: Map<number, Subscription>;
}

interface HeldFrame {
  position: EventPosition;
  frame: string;
}

interface Subscription {
  /** Live events that arrive before the subscription is confirmed and its replay sent. */
  held?: HeldFrame[];
}

const REPLAY_PAGE = 250;
/** How long a replaying socket may take to read a page before it counts as stopped. */
const REPLAY_DRAIN_TIMEOUT_MS = 30_000;
/** Live events kept for one bot while its replay is sent. */
const MAX_HELD = 10_000;

/**
 * Who receives which event. A session's events reach its subscribers in commit order, once
 * (see SessionStreams). Each event is serialized once and the same frame goes to every recipient;
 * a recipient that stops reading is dropped before it can grow memory.
 */
@Injectable()
export class LiveHub {
  private readonly logger = new Logger(LiveHub.name);
  private readonly clients = new Set<LiveClient>();
  private readonly bySession = new Map<number, Set<LiveClient>>();
  private readonly streams: SessionStreams;

  constructor(
    private readonly events: EventsRepository,
    bus: EventBus,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly metrics: Metrics,
  ) {
    metrics.trackLive({
      connections: () => this.clients.size,
      subscriptions: () => {
        let count = 0;
        for (const members of this.bySession.values()) count += members.size;
        return count;
      },
    });
    this.streams = new SessionStreams(events, (event) => this.deliver(event));
    bus.subscribe(
      () => true,
      (event) => this.broadcast(event),
    );
  }

  get size(): number {
    return this.clients.size;
  }

  subscriberCount(sessionId: number): number {
    return this.bySession.get(sessionId)?.size ?? 0;
  }

  add(socket: WebSocket): LiveClient {
    const client: LiveClient = { socket, authenticated: false, subscriptions: new Map() };
    this.clients.add(client);
    return client;
  }

  remove(client: LiveClient): void {
    this.clients.delete(client);
    for (const sessionId of client.subscriptions.keys()) this.leave(client, sessionId);
  }

  /**
   * Subscribes; `confirm` answers the bot once every event committed from then on is sure to
   * reach it. Then, with `lastEventId`, replays the session's events after it up to where the
   * session's stream stood when the bot joined; live events are held meanwhile and sent after,
   * minus those the replay contained, so there is no gap and no duplicate at the seam.
   */
  async subscribe(
    client: LiveClient,
    sessionId: number,
    lastEventId: number | undefined,
    confirm: () => void,
  ): Promise<void> {
    if (!this.clients.has(client)) return; // it closed while the session was being looked up
    // Already subscribed and nothing to replay: the subscription (and any replay) carries on.
    if (lastEventId === undefined && client.subscriptions.has(sessionId)) return confirm();
    const subscription: Subscription = { held: [] };
    client.subscriptions.set(sessionId, subscription);
    let members = this.bySession.get(sessionId);
    if (!members) this.bySession.set(sessionId, (members = new Set()));
    members.add(client);
    // Unsubscribed, subscribed again or closed meanwhile: this subscribe is over.
    const superseded = () =>
      client.subscriptions.get(sessionId) !== subscription ||
      client.socket.readyState !== WebSocket.OPEN;

    await this.streams.watch(sessionId);
    if (superseded()) return;
    // The seam: the replay covers up to here, the stream delivers what comes after.
    const joinedAt = this.streams.position(sessionId)!;
    confirm();
    if (lastEventId !== undefined) {
      const replayed = await this.replay(client, sessionId, lastEventId, joinedAt, superseded);
      if (!replayed) return;
    }
    const held = subscription.held ?? [];
    delete subscription.held;
    for (const { position, frame } of held) {
      if (comparePositions(position, joinedAt) > 0) this.send(client, frame);
    }
  }

  /**
   * Sends the session's events after `lastEventId` up to `upTo`, in pages at the pace the bot
   * reads. Answers false when the subscription ended meanwhile.
   */
  private async replay(
    client: LiveClient,
    sessionId: number,
    lastEventId: number,
    upTo: EventPosition,
    superseded: () => boolean,
  ): Promise<boolean> {
    let from = await this.events.resumePosition(sessionId, lastEventId);
    while (from && comparePositions(from, upTo) < 0) {
      const events = await this.events.sessionBetween(sessionId, from, upTo, REPLAY_PAGE);
      if (superseded()) return false;
      for (const event of events) this.send(client, this.frame(event));
      if (events.length < REPLAY_PAGE) break;
      from = events[events.length - 1];
      // A bot far behind gets its backlog at the pace it reads, rather than being cut off.
      await this.drained(client);
    }
    return !superseded();
  }

  unsubscribe(client: LiveClient, sessionId: number): boolean {
    if (!client.subscriptions.has(sessionId)) return false;
    this.leave(client, sessionId);
    return true;
  }

  /** Sends a frame unless the socket has stopped reading, in which case it is dropped. */
  send(client: LiveClient, frame: string): void {
    const { socket } = client;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > this.config.live.maxBufferedBytes) {
      this.logger.warn(
        `dropping a WebSocket client that stopped reading (${socket.bufferedAmount} bytes unsent)`,
      );
      this.metrics.socketDropped('slow_reader');
      socket.terminate();
      return;
    }
    socket.send(frame);
  }

  reply(client: LiveClient, message: object): void {
    this.send(client, JSON.stringify(message));
  }

  /** Routes an event by its audience in the registry. */
  private broadcast(event: DomainEvent): void {
    if (EVENT_REGISTRY[event.type].audience === 'authenticated') {
      this.sendToAll(
        event,
        [...this.clients].filter((c) => c.authenticated),
      );
    } else if (event.sessionId !== null) {
      // In commit order, through the session's stream.
      this.streams.signal(event.sessionId, event);
    }
  }

  /** Sends a session's event to its subscribers, holding it for those being replayed. */
  private deliver(event: DomainEvent): void {
    this.sendToAll(event, [...(this.bySession.get(event.sessionId ?? -1) ?? [])]);
  }

  private sendToAll(event: DomainEvent, recipients: LiveClient[]): void {
    try {
      const frame = this.frame(event);
      for (const client of recipients) {
        const held = client.subscriptions.get(event.sessionId ?? -1)?.held;
        if (held) this.hold(client, held, event, frame);
        else this.send(client, frame);
      }
    } catch (error) {
      this.logger.error(`could not broadcast event ${event.id}: ${(error as Error).message}`);
    }
  }

  /** Closes every connection (on shutdown: 1001 tells bots to reconnect, elsewhere). */
  closeAll(code: number, reason: string): void {
    for (const client of this.clients) client.socket.close(code, reason);
  }

  /** Keeps a live event until the replay is sent; a bot that falls this far behind is dropped. */
  private hold(
    client: LiveClient,
    held: HeldFrame[],
    position: EventPosition,
    frame: string,
  ): void {
    if (held.length >= MAX_HELD) {
      if (client.socket.readyState !== WebSocket.OPEN) return;
      this.logger.warn('dropping a WebSocket client whose replay fell too far behind');
      this.metrics.socketDropped('replay_overflow');
      client.socket.terminate();
      return;
    }
    held.push({ position: { xid: position.xid, id: position.id }, frame });
  }

  /** Resolves once the socket has sent most of what is queued (or has closed or stalled). */
  private async drained(client: LiveClient): Promise<void> {
    const { socket } = client;
    const deadline = Date.now() + REPLAY_DRAIN_TIMEOUT_MS;
    const enough = this.config.live.maxBufferedBytes / 4;
    while (socket.readyState === WebSocket.OPEN && socket.bufferedAmount > enough) {
      if (Date.now() > deadline) {
        this.logger.warn('dropping a WebSocket client that stopped reading its replay');
        this.metrics.socketDropped('replay_stalled');
        socket.terminate();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private frame(event: DomainEvent): string {
    return JSON.stringify({
      type: event.type,
      id: event.id,
      timestamp: event.createdAt.toISOString(),
      data: event.payload,
    });
  }

  private leave(client: LiveClient, sessionId: number): void {
    client.subscriptions.delete(sessionId);
    const members = this.bySession.get(sessionId);
    members?.delete(client);
    if (members?.size === 0) {
      this.bySession.delete(sessionId);
      this.streams.unwatch(sessionId);
    }
  }
}
