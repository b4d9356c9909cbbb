import { Inject, Injectable, Logger } from '@nestjs/common';
import WebSocket from 'ws';
import { APP_CONFIG } from '../config/config.module';
import type { RuntimeConfig } from '../config/app-config';
import { DatabaseAvailability } from '../database/database-availability';
import { EventBus } from '../events/event-bus';
import {
  comparePositions,
  EVENT_REGISTRY,
  type DomainEvent,
  type EventPosition,
} from '../events/event-types';
import { EventsRepository } from '../events/events.repository';
import { TransientEvents, type TransientMessage } from '../events/transient-events';
import { SendWindow } from './send-window';
import { Metrics } from '../metrics/metrics';
import { SessionStreams } from './session-streams';
import { liveEventMessage, type ServerMessage, type ServerMessageType } from './live-protocol';

/** What the hub knows about one connection. */
export interface LiveClient {
  socket: WebSocket;
  /** What it has not confirmed reading. */
  window: SendWindow;
  authenticated: boolean;
  /** Sessions it receives events of. */
  subscriptions: Map<number, Subscription>;
}

/** A message serialized once for all its recipients, with its size in bytes. */
interface Frame {
  text: string;
  bytes: number;
}

interface HeldFrame {
  position: EventPosition;
  frame: Frame;
}

interface Subscription {
  /**
   * Live events waiting for the bot: those that arrive before the subscription is confirmed and
   * its replay sent, and those that find the bot with half its limit unread.
   */
  held?: HeldFrame[];
}

const REPLAY_PAGE = 250;
/** Live events kept for one bot while it cannot take them. */
const MAX_HELD = 10_000;

/**
 * Who receives which event. A session's events reach its subscribers in commit order, once
 * (see SessionStreams). Each event is serialized once and the same frame goes to every recipient.
 *
 * A socket may have at most `maxBufferedBytes` sent and unread (see SendWindow), wherever the
 * bytes wait: Node's buffer or the kernel's send queue. A session's events (a replay, and live
 * ones once a bot has half that unread) wait for the bot to read, as frames shared with the other
 * recipients; any other message finds a bot past the bound has stopped reading, and drops it. A
 * bot that stops reading also stops answering pings, and the heartbeat drops it.
 */
@Injectable()
export class LiveHub {
  private readonly logger = new Logger(LiveHub.name);
  private readonly clients = new Set<LiveClient>();
  private readonly bySocket = new WeakMap<WebSocket, LiveClient>();
  private readonly bySession = new Map<number, Set<LiveClient>>();
  private readonly streams: SessionStreams;

  constructor(
    private readonly events: EventsRepository,
    bus: EventBus,
    database: DatabaseAvailability,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly metrics: Metrics,
    transient: TransientEvents,
  ) {
    metrics.trackLive({
      connections: () => this.clients.size,
      subscriptions: () => {
        let count = 0;
        for (const members of this.bySession.values()) count += members.size;
        return count;
      },
    });
    this.streams = new SessionStreams(
      events,
      (event) => this.deliver(event),
      (what, error) => database.taskFailed(this.logger, what, error),
    );
    bus.subscribe(
      () => true,
      (event) => this.broadcast(event),
    );
    transient.on((message) => this.sendTransient(message));
  }

  /**
   * A live-only message: to the session's subscribers that are keeping up, now or never (a
   * subscriber waiting for a replay or behind on its reading skips it; the next one follows).
   */
  private sendTransient(message: TransientMessage): void {
    const recipients = [...(this.bySession.get(message.sessionId) ?? [])].filter((client) => {
      const subscription = client.subscriptions.get(message.sessionId);
      return subscription && !subscription.held && client.window.hasRoom;
    });
    if (recipients.length === 0) return;
    const frame = this.serialize({
      type: message.type,
      timestamp: message.timestamp,
      data: message.data,
    });
    for (const client of recipients) this.send(client, frame);
  }

  get size(): number {
    return this.clients.size;
  }

  subscriberCount(sessionId: number): number {
    return this.bySession.get(sessionId)?.size ?? 0;
  }

  add(socket: WebSocket): LiveClient {
    const client: LiveClient = {
      socket,
      window: new SendWindow(socket, this.config.live.maxBufferedBytes),
      authenticated: false,
      subscriptions: new Map(),
    };
    this.clients.add(client);
    this.bySocket.set(socket, client);
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
    const superseded = this.supersession(client, sessionId, subscription);

    await this.streams.watch(sessionId);
    if (superseded()) return;
    // The seam: the replay covers up to here, the stream delivers what comes after.
    const joinedAt = this.streams.position(sessionId)!;
    confirm();
    if (lastEventId !== undefined) {
      const replayed = await this.replay(client, sessionId, lastEventId, joinedAt, superseded);
      if (!replayed) return;
    }
    await this.release(client, subscription, superseded, joinedAt);
  }

  /**
   * Sends the held events (those after `after`) at the pace the bot reads. Events that arrive
   * meanwhile are held too, and sent after, so the order stays.
   */
  private async release(
    client: LiveClient,
    subscription: Subscription,
    superseded: () => boolean,
    after?: EventPosition,
  ): Promise<void> {
    while (subscription.held && subscription.held.length > 0) {
      const held = subscription.held;
      subscription.held = [];
      for (const { position, frame } of held) {
        if (after && comparePositions(position, after) <= 0) continue;
        await client.window.room();
        if (superseded()) return;
        this.send(client, frame);
      }
    }
    delete subscription.held;
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
      for (const event of events) {
        // A bot far behind gets its backlog at the pace it reads, rather than being cut off.
        await client.window.room();
        if (superseded()) return false;
        this.send(client, this.frame(event));
      }
      if (events.length < REPLAY_PAGE) break;
      from = events[events.length - 1];
    }
    return !superseded();
  }

  unsubscribe(client: LiveClient, sessionId: number): boolean {
    if (!client.subscriptions.has(sessionId)) return false;
    this.leave(client, sessionId);
    return true;
  }

  /** Sends a frame unless the socket has stopped reading, in which case it is dropped. */
  private send(client: LiveClient, frame: Frame): void {
    const { socket, window } = client;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (!window.send(frame.text, frame.bytes)) {
      this.logger.warn(
        `dropping a WebSocket client that stopped reading (${window.unread} bytes sent and unread)`,
      );
      this.metrics.socketDropped('slow_reader');
      socket.terminate();
    }
  }

  reply(client: LiveClient, message: ServerMessage<ServerMessageType>): void {
    this.send(client, this.serialize(message));
  }

  /**
   * A handler's answer to a socket's message, within the socket's window like everything else
   * sent to it: a client that stops reading cannot pile answers up in this process.
   */
  answer(socket: WebSocket, message: object): void {
    const client = this.bySocket.get(socket);
    if (client) this.send(client, this.serialize(message));
  }

  /** A live-only message for every authenticated socket on this instance. */
  sendToAuthenticated(message: object): void {
    const frame = this.serialize(message);
    for (const client of this.clients) {
      if (client.authenticated) this.send(client, frame);
    }
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

  /** Sends a session's event to its subscribers, holding it for those who cannot take it yet. */
  private deliver(event: DomainEvent): void {
    this.sendToAll(event, [...(this.bySession.get(event.sessionId ?? -1) ?? [])]);
  }

  private sendToAll(event: DomainEvent, recipients: LiveClient[]): void {
    try {
      const frame = this.frame(event);
      const sessionId = event.sessionId ?? -1;
      for (const client of recipients) {
        const subscription = client.subscriptions.get(sessionId);
        if (subscription?.held) {
          this.hold(client, subscription.held, event, frame);
        } else if (subscription && !client.window.hasRoom) {
          // A burst (a page of the stream) or a slow reader: wait for it rather than pile up.
          subscription.held = [];
          this.hold(client, subscription.held, event, frame);
          const superseded = this.supersession(client, sessionId, subscription);
          this.release(client, subscription, superseded).catch((error: Error) =>
            this.logger.error(`could not send held events: ${error.message}`),
          );
        } else {
          this.send(client, frame);
        }
      }
    } catch (error) {
      this.logger.error(`could not broadcast event ${event.id}: ${(error as Error).message}`);
    }
  }

  /** Unsubscribed, subscribed again or closed: what was under way for `subscription` is over. */
  private supersession(
    client: LiveClient,
    sessionId: number,
    subscription: Subscription,
  ): () => boolean {
    return () =>
      client.subscriptions.get(sessionId) !== subscription ||
      client.socket.readyState !== WebSocket.OPEN;
  }

  /** Closes every connection (on shutdown: 1001 tells bots to reconnect, elsewhere). */
  closeAll(code: number, reason: string): void {
    for (const client of this.clients) client.socket.close(code, reason);
  }

  /** Keeps a live event until the bot can take it; a bot that falls this far behind is dropped. */
  private hold(client: LiveClient, held: HeldFrame[], position: EventPosition, frame: Frame): void {
    if (held.length >= MAX_HELD) {
      this.logger.warn(`dropping a WebSocket client that fell ${MAX_HELD} events behind`);
      this.metrics.socketDropped('replay_overflow');
      client.socket.terminate();
      return;
    }
    held.push({ position: { xid: position.xid, id: position.id }, frame });
  }

  private frame(event: DomainEvent): Frame {
    return this.serialize(liveEventMessage(event));
  }

  private serialize(message: object): Frame {
    const text = JSON.stringify(message);
    return { text, bytes: Buffer.byteLength(text) };
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
