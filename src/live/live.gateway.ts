import { Inject, Logger, NotFoundException, OnModuleDestroy } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { Server, WebSocket } from 'ws';
import { AuthService } from '../auth/auth.service';
import { isDatabaseUnavailable } from '../common/database-errors';
import { DATABASE_UNAVAILABLE_MESSAGE } from '../common/http-exception.filter';
import { judgingInterval } from '../common/interval';
import type { RuntimeConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DatabaseAvailability } from '../database/database-availability';
import { Metrics } from '../metrics/metrics';
import { PollsService } from '../polls/polls.service';
import { SessionsRepository } from '../sessions/sessions.repository';
import { AdminPresence } from './admin-presence';
import { LiveHub, type LiveClient } from './live-hub';
import {
  CLIENT_MESSAGE_TYPES,
  CloseCode,
  LIVE_PATH,
  MALFORMED,
  MAX_PAYLOAD_BYTES,
  PAGE_RULE,
  POLL_LEADING_RULE,
  positiveInteger,
  serverMessage,
  UNKNOWN,
  validPage,
  validPollLeading,
  type ClientMessage,
  type ServerMessage,
} from './live-protocol';
const RATE_WINDOW_MS = 10_000;
const MAX_TIMER_MS = 2_147_483_647;

interface Connection {
  client: LiveClient;
  /** The admin's name, once authenticated. */
  admin?: string;
  alive: boolean;
  authDeadline?: NodeJS.Timeout;
  tokenExpiry?: NodeJS.Timeout;
  windowStart: number;
  messagesInWindow: number;
}

const error = (message: string) => serverMessage('error', { message });
const EXPECTED_TYPES =
  CLIENT_MESSAGE_TYPES.slice(0, -1).join(', ') + ' or ' + CLIENT_MESSAGE_TYPES.at(-1);
const NOT_AUTHENTICATED = 'Not authenticated: send {"type": "auth", "token": "..."} first';

/**
 * The bots' WebSocket protocol at /api/sessions/live. Transport only: it authenticates,
 * keeps connections healthy and routes subscribe/unsubscribe to the LiveHub, which decides
 * who receives which event.
 */
@WebSocketGateway({ path: LIVE_PATH, maxPayload: MAX_PAYLOAD_BYTES })
export class LiveGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy
{
  private readonly logger = new Logger(LiveGateway.name);
  private readonly connections = new WeakMap<WebSocket, Connection>();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly hub: LiveHub,
    private readonly sessions: SessionsRepository,
    private readonly auth: AuthService,
    private readonly database: DatabaseAvailability,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly metrics: Metrics,
    private readonly presence: AdminPresence,
    private readonly polls: PollsService,
  ) {}

  afterInit(server: Server): void {
    // Protocol-level pings: a peer that has not answered since the previous one is gone (unless
    // this beat is late: then its answer may be waiting unread). Each ping also marks a position
    // the client acknowledges by answering (see SendWindow).
    this.heartbeat = judgingInterval(this.config.live.heartbeatMs, (late) => {
      for (const socket of server.clients) {
        const connection = this.connections.get(socket);
        if (!connection) continue;
        if (!connection.alive && !late) {
          this.logger.warn('dropping a WebSocket client that did not answer a ping in time');
          this.metrics.socketDropped('heartbeat');
          socket.terminate();
          continue;
        }
        connection.alive = false;
        connection.client.window.ping();
      }
    });
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const connection: Connection = {
      client: this.hub.add(socket),
      alive: true,
      windowStart: Date.now(),
      messagesInWindow: 0,
    };
    this.connections.set(socket, connection);
    connection.authDeadline = setTimeout(() => {
      this.metrics.socketDropped('auth_timeout');
      socket.close(CloseCode.UNAUTHORIZED, 'Authentication timeout');
    }, this.config.live.authTimeoutMs);
    socket.on('pong', (data) => {
      // Only an answer to a ping of ours: pongs sent unasked would keep a peer that reads
      // nothing alive forever.
      if (connection.client.window.acknowledge(data)) connection.alive = true;
      this.presence.heardFrom(connection.client);
    });
    socket.on('message', () => {
      this.presence.heardFrom(connection.client);
      this.countMessage(socket, connection);
    });
    this.logger.log(
      `WebSocket connected from ${request.socket.remoteAddress ?? 'unknown'} (${this.hub.size} open)`,
    );
  }

  handleDisconnect(socket: WebSocket): void {
    const connection = this.connections.get(socket);
    if (!connection) return;
    clearTimeout(connection.authDeadline);
    clearTimeout(connection.tokenExpiry);
    this.hub.remove(connection.client);
    this.presence.leave(connection.client);
    this.connections.delete(socket);
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
    this.hub.closeAll(CloseCode.GOING_AWAY, 'Server shutting down');
  }

  @SubscribeMessage('auth')
  authenticate(
    @ConnectedSocket() socket: WebSocket,
    @MessageBody() message: ClientMessage,
  ): ServerMessage<'auth_success' | 'auth_error'> {
    const connection = this.connections.get(socket)!;
    if (typeof message.token !== 'string' || message.token === '') {
      return serverMessage('auth_error', { message: 'Token required' });
    }
    const claims = this.auth.verify(message.token);
    if (!claims) return serverMessage('auth_error', { message: 'Invalid or expired token' });
    connection.client.authenticated = true;
    connection.admin = claims.name;
    clearTimeout(connection.authDeadline);
    clearTimeout(connection.tokenExpiry);
    // The socket lives as long as its token: an expired token closes it, and the bot logs in again.
    this.closeWhenExpired(socket, connection, claims.exp * 1000);
    return serverMessage('auth_success', { message: 'Authenticated successfully' });
  }

  @SubscribeMessage('subscribe')
  async subscribe(
    @ConnectedSocket() socket: WebSocket,
    @MessageBody() message: ClientMessage,
  ): Promise<ServerMessage<'error'> | undefined> {
    const { client } = this.connections.get(socket)!;
    if (!client.authenticated) return error(NOT_AUTHENTICATED);
    const { sessionId, lastEventId } = message;
    if (!positiveInteger(sessionId)) return error('sessionId must be a positive integer');
    if (
      lastEventId !== undefined &&
      !(typeof lastEventId === 'number' && Number.isSafeInteger(lastEventId) && lastEventId >= 0)
    ) {
      return error('lastEventId must be the id of an event you received (a non-negative integer)');
    }
    try {
      if (!(await this.sessions.exists(sessionId))) return error(`Session ${sessionId} not found`);
      await this.hub.subscribe(client, sessionId, lastEventId, () =>
        this.hub.reply(
          client,
          serverMessage('subscribed', { sessionId, message: `Subscribed to session ${sessionId}` }),
        ),
      );
      return undefined;
    } catch (failure) {
      this.hub.unsubscribe(client, sessionId);
      if (isDatabaseUnavailable(failure)) {
        this.database.failed(failure);
        return error(DATABASE_UNAVAILABLE_MESSAGE);
      }
      this.logger.error(`subscribe to session ${sessionId} failed: ${(failure as Error).message}`);
      return error('Could not subscribe right now; try again');
    }
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(
    @ConnectedSocket() socket: WebSocket,
    @MessageBody() message: ClientMessage,
  ): ServerMessage<'unsubscribed' | 'error'> {
    const { client } = this.connections.get(socket)!;
    if (!client.authenticated) return error(NOT_AUTHENTICATED);
    const { sessionId } = message;
    if (!positiveInteger(sessionId)) return error('sessionId must be a positive integer');
    if (!this.hub.unsubscribe(client, sessionId)) {
      return error(`Not subscribed to session ${sessionId}`);
    }
    return serverMessage('unsubscribed', {
      sessionId,
      message: `Unsubscribed from session ${sessionId}`,
    });
  }

  /**
   * An external vote counter announcing its poll's leader: relayed to the session's
   * subscribers (on every instance, and kept for replays and webhooks like any event).
   */
  @SubscribeMessage('poll.leading')
  async relayPollLeading(
    @ConnectedSocket() socket: WebSocket,
    @MessageBody() message: ClientMessage,
  ): Promise<object | undefined> {
    const { client } = this.connections.get(socket)!;
    if (!client.authenticated) {
      return error(NOT_AUTHENTICATED);
    }
    if (!validPollLeading(message)) return error(POLL_LEADING_RULE);
    const { sessionId, gameId, label, votes } = message;
    try {
      await this.polls.relayLeading({ sessionId, gameId, label, votes });
      return undefined;
    } catch (failure) {
      if (failure instanceof NotFoundException) return error(failure.message);
      if (isDatabaseUnavailable(failure)) {
        this.database.failed(failure);
        return error(DATABASE_UNAVAILABLE_MESSAGE);
      }
      this.logger.error(`poll.leading relay failed: ${(failure as Error).message}`);
      return error('Could not relay poll.leading right now; try again');
    }
  }

  @SubscribeMessage('ping')
  ping(): ServerMessage<'pong'> {
    return serverMessage('pong', {});
  }

  /**
   * An admin's UI shows a page. Everyone authenticated hears of the change (this socket
   * included); a focus that changes nothing is answered with the list as it stands.
   */
  @SubscribeMessage('page_focus')
  pageFocus(
    @ConnectedSocket() socket: WebSocket,
    @MessageBody() message: ClientMessage,
  ): object | undefined {
    const { client, admin } = this.connections.get(socket)!;
    if (!client.authenticated || admin === undefined) {
      return error(NOT_AUTHENTICATED);
    }
    const { page } = message;
    if (!validPage(page)) return error(PAGE_RULE);
    return this.presence.focus(client, admin, page) ? undefined : this.presence.message();
  }

  @SubscribeMessage(MALFORMED)
  malformed(@MessageBody() reason: string): ServerMessage<'error'> {
    return error(reason);
  }

  @SubscribeMessage(UNKNOWN)
  unknown(@MessageBody() type: string): ServerMessage<'error'> {
    // Named back, but not at any length: the answer should never outweigh the message.
    const named = type.length > 64 ? `${type.slice(0, 64)}...` : type;
    return error(`Unknown message type "${named}" (expected ${EXPECTED_TYPES})`);
  }

  /** Timers hold at most ~24.8 days, so a longer-lived token is re-checked in steps. */
  private closeWhenExpired(socket: WebSocket, connection: Connection, expiresAt: number): void {
    const remaining = expiresAt - Date.now();
    connection.tokenExpiry = setTimeout(
      () => {
        if (remaining > MAX_TIMER_MS) return this.closeWhenExpired(socket, connection, expiresAt);
        this.metrics.socketDropped('token_expired');
        socket.close(CloseCode.UNAUTHORIZED, 'Token expired');
      },
      Math.max(0, Math.min(remaining, MAX_TIMER_MS)),
    );
  }

  private countMessage(socket: WebSocket, connection: Connection): void {
    const now = Date.now();
    if (now - connection.windowStart >= RATE_WINDOW_MS) {
      connection.windowStart = now;
      connection.messagesInWindow = 0;
    }
    if (
      ++connection.messagesInWindow > this.config.live.messagesPer10s &&
      socket.readyState === socket.OPEN
    ) {
      this.logger.warn('closing a WebSocket that sent too many messages');
      this.metrics.socketDropped('rate_limited');
      socket.close(CloseCode.RATE_LIMITED, 'Too many messages');
    }
  }
}
