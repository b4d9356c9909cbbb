import { Logger, type LoggerService } from '@nestjs/common';
import { Agent } from 'undici';
import {
  FinalEcastError,
  lookupRoom,
  PlayConnection,
  type ConnectionEnd,
  type DisconnectReason,
  type EcastEndpoint,
  type EcastRoom,
  type Reconnection,
} from './ecast-client';
import { parseWelcome, type EcastFrame } from './ecast-frames';
import {
  RoomInference,
  type RecordedGame,
  type RoomState,
  type RoomTransition,
} from './room-inference';

/**
 * Watches one Jackbox room: looks it up, holds a passive connection to it, feeds what arrives
 * to the inference and reports transitions and snapshots through callbacks. Reconnects after
 * abnormal drops with bounded backoff, and opens a short probe connection now and then to
 * refresh the roster, because several games never announce joins.
 */

export type MonitorStatus =
  'connecting' | 'connected' | 'reconnecting' | 'closed' | 'failed' | 'stopped';

export interface RoomSnapshot extends RoomState {
  /** Whether the room is still being watched. */
  monitoring: boolean;
  status: MonitorStatus;
  disconnectReason: DisconnectReason | null;
  /** A human-readable cause when monitoring ended or is retrying. */
  detail: string | null;
}

type MonitorTransition =
  | Exclude<RoomTransition, { type: 'room.disconnected' }>
  | { type: 'room.disconnected'; reason: DisconnectReason };

/** A transition, with the snapshot right after it. */
export type RoomEvent = MonitorTransition & { snapshot: RoomSnapshot };

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Consecutive failed attempts before giving up with `connection_failed`. */
  maxAttempts: number;
}

export interface RoomMonitorOptions extends EcastEndpoint {
  roomCode: string;
  /** What was already recorded about the room's game, when taking over from another watcher. */
  recorded?: RecordedGame;
  /** `shard` by default. `player` is refused: it would take a seat in the game. */
  role?: string;
  name?: string;
  /** Stable per monitor: the service ties reconnections to it. */
  userId?: string;
  /** How often a probe refreshes the roster; 0 turns probes off. */
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  requestTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  logger?: Pick<LoggerService, 'log' | 'warn' | 'debug'>;
  onEvent?: (event: RoomEvent) => void;
}

export interface ActiveHandles {
  sockets: number;
  timers: number;
  lookups: number;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, maxAttempts: 8 };

export class RoomMonitor {
  private readonly inference: RoomInference;
  private readonly endpoint: EcastEndpoint;
  private readonly role: string;
  private readonly name: string;
  private readonly userId: string;
  private readonly probeIntervalMs: number;
  private readonly probeTimeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly logger: Pick<LoggerService, 'log' | 'warn' | 'debug'>;
  private readonly agent: Agent;
  private readonly abort = new AbortController();

  private status: MonitorStatus = 'connecting';
  private disconnectReason: DisconnectReason | null = null;
  private detail: string | null = null;
  private done = false;
  private everConnected = false;
  private room?: EcastRoom;
  private credentials?: Reconnection;
  private main?: PlayConnection;
  /** The last main connection that got a welcome: its drop restarts the backoff. */
  private welcomedOn?: PlayConnection;
  private probeConnection?: PlayConnection;
  private probing?: Promise<void>;
  private probeTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private wakeRetry?: () => void;
  private lookups = 0;
  private running?: Promise<void>;

  constructor(private readonly options: RoomMonitorOptions) {
    this.role = options.role ?? 'shard';
    if (this.role === 'player') throw new Error('a room monitor never joins as a player');
    this.inference = new RoomInference(options.roomCode, options.recorded);
    this.endpoint = {
      baseUrl: options.baseUrl,
      ecastDomain: options.ecastDomain,
      userAgent: options.userAgent,
    };
    this.name = options.name ?? 'GamePicker';
    this.userId = options.userId ?? `gamepicker-${options.roomCode.toLowerCase()}`;
    this.probeIntervalMs = options.probeIntervalMs ?? 20_000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 10_000;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.logger = options.logger ?? new Logger(RoomMonitor.name);
    // Its own connection pool, so stopping the monitor closes the lookup's idle connection too.
    this.agent = new Agent({ connections: 2, keepAliveTimeout: 30_000 });
  }

  get roomCode(): string {
    return this.options.roomCode;
  }

  /** Begins watching; resolves at once. `stopped()` settles when monitoring is over. */
  start(): void {
    this.running ??= this.run();
  }

  /** Settles once monitoring has ended and every socket and timer is released. */
  stopped(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Stops watching (`room.disconnected` with `manually_stopped` unless it had ended). */
  async stop(): Promise<void> {
    this.finish('manually_stopped', 'stopped');
    if (this.running) await this.running;
    else await this.agent.destroy();
  }

  snapshot(): RoomSnapshot {
    return {
      ...this.inference.state(),
      monitoring: !this.done,
      status: this.status,
      disconnectReason: this.disconnectReason,
      detail: this.detail,
    };
  }

  activeHandles(): ActiveHandles {
    const sockets = [this.main, this.probeConnection].filter((c) => c?.isOpen).length;
    const timers = [this.probeTimer, this.retryTimer].filter(Boolean).length;
    return { sockets, timers, lookups: this.lookups };
  }

  /** Opens one probe connection now (or joins the one under way) and waits for it to end. */
  probe(): Promise<void> {
    if (this.done || !this.room) return Promise.resolve();
    this.probing ??= this.runProbe().finally(() => {
      this.probing = undefined;
      this.scheduleProbe();
    });
    return this.probing;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    try {
      while (!this.done) {
        const room = await this.lookUp();
        if (!room) {
          if (this.done) break;
          if (!(await this.pause(attempt++, this.detail ?? 'room lookup failed'))) break;
          continue;
        }
        this.room = room;
        const { appTag, maxPlayers, minPlayers } = room;
        this.deliver(this.inference.applyLookup({ appTag, maxPlayers, minPlayers }));
        const connection = this.connect(room);
        const end = await connection.ended;
        this.main = undefined;
        if (this.done) break;
        if (this.handleEnd(end)) break;
        if (end.kind === 'retry') {
          if (connection === this.welcomedOn) attempt = 0;
          if (end.dropCredentials) this.credentials = undefined;
          this.status = this.everConnected ? 'reconnecting' : 'connecting';
          if (!(await this.pause(attempt++, end.detail))) break;
        }
      }
    } catch (error) {
      this.logger.warn(
        { roomCode: this.roomCode, error: (error as Error).message },
        'room monitor failed',
      );
      this.finish('connection_failed', (error as Error).message);
    } finally {
      await Promise.all([this.main?.close(), this.probeConnection?.close(), this.probing]);
      await this.agent.destroy();
    }
  }

  /** The lookup; undefined after a failure worth retrying or when monitoring ended. */
  private async lookUp(): Promise<EcastRoom | undefined> {
    this.lookups += 1;
    try {
      const result = await lookupRoom(this.endpoint, this.roomCode, {
        dispatcher: this.agent,
        signal: this.abort.signal,
        timeoutMs: this.options.requestTimeoutMs,
      });
      if (!result.found) {
        this.finish(this.everConnected ? 'room_closed' : 'room_not_found', 'room lookup: no room');
        return undefined;
      }
      return result.room;
    } catch (error) {
      if (error instanceof FinalEcastError) {
        this.finish(error.reason, error.message);
      } else {
        this.detail = (error as Error).message;
      }
      return undefined;
    } finally {
      this.lookups -= 1;
    }
  }

  private connect(room: EcastRoom): PlayConnection {
    const connection: PlayConnection = new PlayConnection({
      endpoint: this.endpoint,
      host: room.host,
      code: this.roomCode,
      role: this.role,
      name: this.name,
      userId: this.userId,
      reconnect: this.credentials,
      handshakeTimeoutMs: this.options.requestTimeoutMs,
      onFrame: (frame) => this.onMainFrame(frame, connection, room),
    });
    this.main = connection;
    return connection;
  }

  private onMainFrame(frame: EcastFrame, connection: PlayConnection, room: EcastRoom): void {
    if (this.done) return;
    const transitions = this.inference.applyFrame(frame);
    if (frame.opcode === 'client/welcome') {
      const welcome = parseWelcome(frame.result);
      if (welcome?.secret) {
        this.credentials = { id: welcome.id, secret: welcome.secret, deviceId: welcome.deviceId };
      }
      this.welcomedOn = connection;
      this.everConnected = true;
      this.status = 'connected';
      this.detail = null;
      this.logger.log(
        { roomCode: this.roomCode, host: room.host, reconnect: welcome?.reconnect === true },
        'room monitor connected',
      );
      // The lookup's lock counts once the room is known, so `room.connected` comes first.
      transitions.push(...this.inference.applyLookup({ locked: room.locked }));
      this.scheduleProbe();
    }
    this.deliver(transitions);
  }

  /** Whether the connection's end ends monitoring. */
  private handleEnd(end: ConnectionEnd): boolean {
    switch (end.kind) {
      case 'rejected': {
        const reason =
          end.reason === 'room_not_found' && this.everConnected ? 'room_closed' : end.reason;
        this.finish(reason, end.detail);
        return true;
      }
      case 'room-ended':
        this.finish('room_closed', end.detail);
        return true;
      case 'closed':
        return true;
      case 'retry':
        this.logger.debug?.(
          { roomCode: this.roomCode, detail: end.detail },
          'room connection lost',
        );
        return false;
    }
  }

  /** Waits before the next attempt; false when monitoring ended meanwhile or attempts ran out. */
  private pause(attempt: number, detail: string): Promise<boolean> {
    if (attempt + 1 >= this.backoff.maxAttempts) {
      this.finish('connection_failed', detail);
      return Promise.resolve(false);
    }
    this.detail = detail;
    const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** attempt);
    return new Promise((resolve) => {
      this.wakeRetry = () => {
        clearTimeout(this.retryTimer);
        this.retryTimer = undefined;
        this.wakeRetry = undefined;
        resolve(!this.done);
      };
      this.retryTimer = setTimeout(() => this.wakeRetry?.(), delay);
    });
  }

  private scheduleProbe(): void {
    if (this.done || this.probeIntervalMs <= 0 || this.probeTimer || this.probing) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      void this.probe();
    }, this.probeIntervalMs);
  }

  private async runProbe(): Promise<void> {
    const room = this.room;
    if (!room) return;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    const connection: PlayConnection = new PlayConnection({
      endpoint: this.endpoint,
      host: room.host,
      code: this.roomCode,
      role: this.role,
      name: this.name,
      userId: `${this.userId}-probe`,
      handshakeTimeoutMs: this.probeTimeoutMs,
      onFrame: (frame) => {
        // Only the roster: a probe must never move the game's phase.
        if (frame.opcode !== 'client/welcome') return;
        if (!this.done) this.deliver(this.inference.applyProbeWelcome(frame.result));
        void connection.close();
      },
    });
    this.probeConnection = connection;
    const timeout = setTimeout(() => void connection.close(), this.probeTimeoutMs);
    try {
      await connection.ended;
    } finally {
      clearTimeout(timeout);
      this.probeConnection = undefined;
    }
  }

  /** Ends monitoring once, with why; releases timers and asks sockets to close. */
  private finish(reason: DisconnectReason, detail: string): void {
    if (this.done) return;
    this.done = true;
    this.disconnectReason = reason;
    this.detail = detail;
    this.status =
      reason === 'manually_stopped' ? 'stopped' : reason === 'room_closed' ? 'closed' : 'failed';
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.wakeRetry?.();
    this.abort.abort();
    void this.main?.close();
    void this.probeConnection?.close();
    const log = reason === 'room_closed' || reason === 'manually_stopped' ? 'log' : 'warn';
    this.logger[log]({ roomCode: this.roomCode, reason, detail }, 'room monitor ended');
    this.emit({ type: 'room.disconnected', reason });
  }

  private deliver(transitions: RoomTransition[]): void {
    for (const transition of transitions) {
      if (transition.type === 'room.disconnected') {
        this.finish(transition.reason, 'room/exit');
      } else {
        this.emit(transition);
      }
    }
  }

  private emit(transition: MonitorTransition): void {
    const event: RoomEvent = { ...transition, snapshot: this.snapshot() };
    try {
      this.options.onEvent?.(event);
    } catch (error) {
      this.logger.warn(
        { roomCode: this.roomCode, error: (error as Error).message },
        'room event handler failed',
      );
    }
  }
}
