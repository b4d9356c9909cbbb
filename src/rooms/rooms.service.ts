import {
  BeforeApplicationShutdown,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationBootstrap,
  Optional,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { RuntimeConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Metrics } from '../metrics/metrics';
import { EventBus } from '../events/event-bus';
import { EventOutbox, type OutboxTransaction } from '../events/event-outbox';
import type {
  DomainEvent,
  EventPayloads,
  LiveMessagePayloads,
  RoomEventPayload,
} from '../events/event-types';
import { INSTANCE_ID } from '../events/instance';
import { TransientEvents } from '../events/transient-events';
import type { SessionGameDto } from '../sessions/dto/session.dto';
import { statusPayload } from '../sessions/session-games.service';
import { SessionsRepository } from '../sessions/sessions.repository';
import { SessionsService } from '../sessions/sessions.service';
import type { DisconnectReason } from './ecast-client';
import { RoomMonitor, type RoomEvent, type RoomSnapshot } from './room-monitor';
import { RoomsRepository } from './rooms.repository';

/**
 * Resolves a room's app tag to a catalog game id (null: no catalog game has it), so a snapshot
 * can tell whether the room runs the game the admin picked. Optional: without a provider for
 * APP_TAG_LOOKUP, `appTagMatches` stays null (unknown).
 */
export type AppTagLookup = (appTag: string) => Promise<number | null>;
export const APP_TAG_LOOKUP = Symbol('APP_TAG_LOOKUP');

/** A room being watched by this instance. */
interface Watched {
  sessionId: number;
  sessionGameId: number;
  /** The catalog game the admin picked, to compare with the room's app tag. */
  catalogGameId: number;
  roomCode: string;
  /** Whether the room's app tag is the picked game's; null while unknown. */
  appTagMatches: boolean | null;
  /** The app tag `appTagMatches` was worked out for. */
  checkedAppTag?: string;
  monitor: RoomMonitor;
  /** The room's events, written one after the other in the order the monitor saw them. */
  queue: Promise<void>;
  /** Ends without recording `room.disconnected`: shutdown, or the lease went to another instance. */
  silent: boolean;
  /** Sends the room's snapshot as `game.status` every `ROOM_STATUS_INTERVAL_MS`. */
  statusTimer?: NodeJS.Timeout;
}

/** The live snapshot of a session game's room, as `game.status` and `status-live` give it. */
export type RoomStatus = LiveMessagePayloads['game.status'];

/**
 * Starts and stops room monitors as session games change, writes what they see through the
 * outbox (so it is stored, replayed, relayed to every instance and sent to webhooks), and makes
 * sure one instance at a time watches a room, with a lease its owner renews.
 */
@Injectable()
export class RoomsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RoomsService.name);
  private readonly watched = new Map<number, Watched>();
  /** Starts under way, by session game: one at a time, so two triggers start one monitor. */
  private readonly starting = new Map<number, Promise<void>>();
  /** Per session game, the end of its last start attempt or stop (see inTurn). */
  private readonly turns = new Map<number, Promise<void>>();
  private readonly settings: RuntimeConfig['rooms'];
  private leaseTimer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private closing = false;

  constructor(
    @Inject(APP_CONFIG) config: RuntimeConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly bus: EventBus,
    private readonly outbox: EventOutbox,
    private readonly sessions: SessionsService,
    private readonly sessionGames: SessionsRepository,
    private readonly leases: RoomsRepository,
    private readonly transient: TransientEvents,
    metrics: Metrics,
    @Optional() @Inject(APP_TAG_LOOKUP) private readonly appTagLookup?: AppTagLookup,
  ) {
    this.settings = config.rooms;
    metrics.trackRooms(() => this.count());
  }

  onApplicationBootstrap(): void {
    if (!this.settings.enabled) return;
    this.bus.subscribe(
      (_, type) => ['game.added', 'session-game.updated', 'session.ended'].includes(type),
      (event) => this.onSessionEvent(event),
    );
    // Renewal and takeover share one beat, a third of the lease: a lease outlives two missed beats.
    this.leaseTimer = setInterval(() => this.tick(), Math.max(50, this.settings.leaseMs / 3));
    this.tick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.leaseTimer);
    await this.ticking;
    // Another instance takes the rooms over at once; the games stay monitored.
    await Promise.all([...this.watched.values()].map((w) => this.end(w, true)));
  }

  /** Monitors running on this instance. */
  count(): number {
    return this.watched.size;
  }

  /** The admin's start: the game must be playing, with a room code. */
  async startPlayerCheck(sessionId: number, sessionGameId: number): Promise<RoomStatus> {
    if (!this.settings.enabled) {
      throw new ServiceUnavailableException('Room monitoring is turned off on this server');
    }
    const game = await this.sessionGame(sessionId, sessionGameId);
    if (game.status !== 'playing') {
      throw new ConflictException(
        `Session game ${sessionGameId} is ${game.status}: only the playing game can be monitored`,
      );
    }
    if (!game.room_code) {
      throw new ConflictException(
        `Session game ${sessionGameId} has no room code: set one with PATCH .../room-code first`,
      );
    }
    await this.start(sessionId, sessionGameId, game.room_code, 'admin');
    return this.status(sessionId, sessionGameId);
  }

  /** The admin's stop: `room.disconnected` with `manually_stopped`, on whichever instance watches. */
  stopPlayerCheck(sessionId: number, sessionGameId: number): Promise<RoomStatus> {
    // In turn with the game's start attempts: one under way (say, the one a new room code set
    // off) finishes first, and one set off meanwhile comes after and finds the stop.
    return this.inTurn(sessionGameId, () => this.stop(sessionId, sessionGameId));
  }

  private async stop(sessionId: number, sessionGameId: number): Promise<RoomStatus> {
    await this.sessionGame(sessionId, sessionGameId); // 404 for a game not in the session
    const local = this.watched.get(sessionGameId);
    if (local) {
      await this.end(local, false);
    } else {
      // Another instance watches it, or a start is on its way, or nothing watches it: the stop is
      // recorded all the same, so a start that follows a change does not undo it. A monitor
      // elsewhere sees its lease gone at its next renewal and lets the room go silently.
      const was = await this.outbox.transaction(async (tx) => {
        if (!(await this.sessionGames.stopManually(tx.manager, sessionGameId))) return false;
        const stored = await this.sessionGames.findGame(sessionId, sessionGameId, tx.manager);
        if (stored) {
          await tx.record('room.disconnected', sessionId, {
            ...storedPayload(sessionId, stored),
            reason: 'manually_stopped',
          });
        }
        return true;
      });
      if (was) await this.leases.releaseAny(sessionGameId);
    }
    return this.status(sessionId, sessionGameId);
  }

  /** The live snapshot while this instance watches the room; the stored facts otherwise. */
  async status(sessionId: number, sessionGameId: number): Promise<RoomStatus> {
    const local = this.watched.get(sessionGameId);
    if (local && local.sessionId === sessionId) {
      return liveStatus(local);
    }
    const stored = await this.sessionGame(sessionId, sessionGameId);
    return {
      ...storedPayload(sessionId, stored),
      reason: (stored.monitor_reason as DisconnectReason | null) ?? null,
      appTagMatches: await this.matches(stored.app_tag, stored.game_id),
    };
  }

  private async matches(appTag: string | null, catalogGameId: number): Promise<boolean | null> {
    if (!appTag || !this.appTagLookup) return null;
    const id = await this.appTagLookup(appTag);
    return id === null ? null : id === catalogGameId;
  }

  private async sessionGame(sessionId: number, sessionGameId: number): Promise<SessionGameDto> {
    const game = await this.sessionGames.findGame(sessionId, sessionGameId);
    if (!game) throw new NotFoundException('Session game not found');
    return game;
  }

  private onSessionEvent(event: DomainEvent): void {
    if (this.closing) return;
    const work = this.react(event).catch((error: unknown) =>
      this.logger.warn(
        { eventId: event.id, type: event.type, error: (error as Error).message },
        'room monitoring could not follow a session change',
      ),
    );
    void work;
  }

  private async react(event: DomainEvent): Promise<void> {
    if (event.type === 'session.ended') {
      const { session } = event.payload as EventPayloads['session.ended'];
      await Promise.all(
        [...this.watched.values()]
          .filter((w) => w.sessionId === session.id)
          .map((w) => this.end(w, false)),
      );
    } else if (event.type === 'game.added') {
      const { session, game } = event.payload as EventPayloads['game.added'];
      // The previous playing game became played: its monitor stops.
      for (const w of [...this.watched.values()]) {
        if (w.sessionId === session.id) await this.stopUnlessPlaying(w);
      }
      if (!game.room_code) return;
      const games = await this.sessionGames.games(session.id);
      const playing = games.find((g) => g.status === 'playing' && g.room_code);
      if (playing?.room_code) {
        await this.start(session.id, playing.id, playing.room_code, 'change');
      }
    } else if (event.type === 'session-game.updated') {
      const {
        session,
        change,
        session_game: game,
      } = event.payload as EventPayloads['session-game.updated'];
      const local = this.watched.get(game.id);
      if (change === 'removed' || game.status !== 'playing' || !game.room_code) {
        if (local) await this.end(local, false);
        return;
      }
      if (change === 'status' || change === 'room_code') {
        await this.start(session.id, game.id, game.room_code, 'change');
      }
    }
  }

  private async stopUnlessPlaying(w: Watched): Promise<void> {
    const game = await this.sessionGames.findGame(w.sessionId, w.sessionGameId);
    if (!game || game.status !== 'playing' || game.room_code !== w.roomCode) {
      await this.end(w, false);
    }
  }

  /**
   * Starts watching, once: a new room code replaces the monitor of the old one. The admin's
   * start answers why it cannot; a start that follows a change is skipped instead, and a
   * takeover only carries on monitoring that nobody stopped.
   */
  private async start(
    sessionId: number,
    sessionGameId: number,
    roomCode: string,
    trigger: 'admin' | 'change' | 'takeover',
  ): Promise<void> {
    let under = this.starting.get(sessionGameId);
    // The admin's answer must say what became of the start, so it waits for one under way (for
    // instance the one its own room code change set off) and then tries; other starts need not.
    while (under && trigger === 'admin') {
      await under;
      under = this.starting.get(sessionGameId);
    }
    if (this.closing || under) return;
    const current = this.watched.get(sessionGameId);
    if (current?.roomCode === roomCode) return;
    // The attempt's first step awaits a read, so it is in `starting` before it counts capacity.
    const attempt = this.inTurn(sessionGameId, () =>
      this.attemptStart(sessionId, sessionGameId, roomCode, trigger),
    );
    const settled = attempt.then(
      () => undefined,
      () => undefined,
    );
    this.starting.set(sessionGameId, settled);
    try {
      await attempt;
    } finally {
      this.starting.delete(sessionGameId);
    }
  }

  /**
   * Runs the game's start attempts and stops one at a time, in the order they came, so that a
   * stop never interleaves with an attempt (which would leave the room watched after the stop).
   */
  private inTurn<T>(sessionGameId: number, work: () => Promise<T>): Promise<T> {
    const before = this.turns.get(sessionGameId) ?? Promise.resolve();
    const mine = before.then(work);
    const done = mine.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(sessionGameId, done);
    void done.then(() => {
      if (this.turns.get(sessionGameId) === done) this.turns.delete(sessionGameId);
    });
    return mine;
  }

  private async attemptStart(
    sessionId: number,
    sessionGameId: number,
    roomCode: string,
    trigger: 'admin' | 'change' | 'takeover',
  ): Promise<void> {
    // Read in turn: a stop that ran just before may have ended the monitor there was.
    const current = this.watched.get(sessionGameId);
    // Read before ending the current monitor, whose end records a stop of its own.
    const game = await this.sessionGames.findGame(sessionId, sessionGameId);
    if (!game || game.status !== 'playing' || game.room_code !== roomCode) return;
    if (trigger === 'takeover' && !game.monitoring) return;
    // A change heard late (another instance's event, relayed) does not undo an admin's stop
    // that came after it: a later room code or status change clears the stop.
    if (trigger === 'change' && game.monitor_reason === 'manually_stopped') return;
    if (current) await this.end(current, false);
    // Starts under way count: each of them may end up watching a room.
    if (this.watched.size + this.starting.size > this.settings.max) {
      const message = `This server already watches ${this.settings.max} rooms (ROOM_MONITOR_MAX)`;
      if (trigger === 'admin') {
        throw new ServiceUnavailableException(`${message}: try again later`);
      }
      this.logger.warn({ sessionGameId, roomCode }, `${message}: room not watched`);
      return;
    }
    const { instanceId, settings } = this;
    if (!(await this.leases.acquire(sessionGameId, roomCode, instanceId, settings.leaseMs))) {
      return;
    }
    if (trigger !== 'takeover') {
      // The stop to respect is an admin's; ending the old room's monitor above recorded one too.
      const overrideStop = trigger === 'admin' || current !== undefined;
      if (!(await this.sessionGames.startMonitoring(sessionGameId, roomCode, overrideStop))) {
        await this.leases.release(sessionGameId, instanceId);
        return;
      }
    } else if (!(await this.sessionGames.findGame(sessionId, sessionGameId))?.monitoring) {
      // Stopped from another instance between the read above and the lease: that stop ends
      // monitoring first and frees the lease second, so with the lease held, a stop not seen
      // now will be seen by the next renewal.
      await this.leases.release(sessionGameId, instanceId);
      return;
    }
    if (this.closing) {
      // Shutting down meanwhile: another instance takes the room over at once.
      await this.leases.release(sessionGameId, instanceId);
      return;
    }
    const monitor = new RoomMonitor({
      baseUrl: settings.ecastBaseUrl,
      roomCode,
      recorded: {
        gameStarted: game.game_started_at !== null,
        gameFinished: game.game_ended_at !== null,
        lobbyState: game.lobby_state,
      },
      role: settings.role,
      userId: `gamepicker-${sessionGameId}`,
      probeIntervalMs: settings.probeIntervalMs,
      onEvent: (event) => this.enqueue(watched, event),
    });
    const watched: Watched = {
      sessionId,
      sessionGameId,
      catalogGameId: game.game_id,
      roomCode,
      appTagMatches: null,
      silent: false,
      queue: Promise.resolve(),
      monitor,
      statusTimer: setInterval(() => this.sendStatus(watched), settings.statusIntervalMs),
    };
    this.watched.set(sessionGameId, watched);
    this.logger.log({ sessionId, sessionGameId, roomCode }, 'room monitor started');
    monitor.start();
  }

  /** The live snapshot, to the session's subscribers on every instance; never stored. */
  private sendStatus(w: Watched): void {
    this.transient
      .publish('game.status', w.sessionId, liveStatus(w))
      .catch((error: unknown) =>
        this.logger.debug(`game.status not sent to other instances: ${(error as Error).message}`),
      );
  }

  /** Stops a monitor and waits until what it saw is written. */
  private async end(w: Watched, silent: boolean): Promise<void> {
    if (silent) w.silent = true;
    clearInterval(w.statusTimer);
    await w.monitor.stop();
    await w.queue;
  }

  private enqueue(w: Watched, event: RoomEvent): void {
    w.queue = w.queue
      .then(() => this.record(w, event))
      .catch((error: unknown) =>
        this.logger.warn(
          { sessionGameId: w.sessionGameId, type: event.type, error: (error as Error).message },
          'a room event could not be recorded',
        ),
      );
  }

  private async record(w: Watched, event: RoomEvent): Promise<void> {
    const payload = livePayload(w, event.snapshot);
    if (event.type === 'room.disconnected') {
      if (this.watched.get(w.sessionGameId) === w) this.watched.delete(w.sessionGameId);
      clearInterval(w.statusTimer);
      if (!w.silent) {
        await this.outbox.transaction(async (tx) => {
          await this.saveFacts(tx, w, event.snapshot);
          const { sessionId, sessionGameId } = w;
          const ended = await this.sessionGames.stopMonitoring(
            tx.manager,
            sessionGameId,
            event.reason,
          );
          // Already stopped through another instance, which recorded the end (a removed game
          // has no row left to say so, and its end is recorded here).
          if (!ended && (await this.sessionGames.findGame(sessionId, sessionGameId, tx.manager))) {
            return;
          }
          await tx.record('room.disconnected', sessionId, { ...payload, reason: event.reason });
        });
      }
      await this.leases.release(w.sessionGameId, this.instanceId);
      return;
    }
    if (event.type === 'lobby.reopened' || w.silent) return;
    const appTag = event.snapshot.appTag;
    if (appTag && w.checkedAppTag !== appTag) {
      w.checkedAppTag = appTag;
      w.appTagMatches = await this.matches(appTag, w.catalogGameId);
    }
    await this.outbox.transaction(async (tx) => {
      await this.saveFacts(tx, w, event.snapshot);
      switch (event.type) {
        case 'room.connected':
        case 'lobby.updated':
          await tx.record(event.type, w.sessionId, payload);
          return;
        case 'lobby.player-joined':
          await tx.record(event.type, w.sessionId, { ...payload, player: event.player });
          return;
        case 'game.started':
          // Stored once: an instance taking the room over must not announce it again.
          if (await this.sessionGames.markGameStarted(tx.manager, w.sessionGameId)) {
            await tx.record('game.started', w.sessionId, payload);
          }
          return;
        case 'game.ended':
          await this.recordEnd(tx, w, payload);
          return;
      }
    });
  }

  /** The game ended: announced once, and the session game becomes played. */
  private async recordEnd(
    tx: OutboxTransaction,
    w: Watched,
    payload: RoomEventPayload,
  ): Promise<void> {
    const session = await this.sessions.get(w.sessionId, tx.manager, true);
    const before = await this.sessionGames.findGame(w.sessionId, w.sessionGameId, tx.manager);
    if (!before || !(await this.sessionGames.markGameEnded(tx.manager, w.sessionGameId))) return;
    await tx.record('game.ended', w.sessionId, { ...payload, gameStarted: true });
    if (before.status !== 'playing') return;
    const after = await this.sessionGames.findGame(w.sessionId, w.sessionGameId, tx.manager);
    if (after) {
      await tx.record('session-game.updated', w.sessionId, statusPayload(session, 'status', after));
    }
  }

  private saveFacts(tx: OutboxTransaction, w: Watched, snapshot: RoomSnapshot): Promise<void> {
    return this.sessionGames.saveRoomFacts(tx.manager, w.sessionGameId, {
      room_code: w.roomCode,
      app_tag: snapshot.appTag,
      room_max_players: snapshot.maxPlayers,
      lobby_state: snapshot.lobbyState,
      player_count: snapshot.playerCount,
    });
  }

  /** Renews this instance's leases and takes over rooms nobody watches any more. */
  private tick(): void {
    if (this.ticking || this.closing) return;
    this.ticking = this.renewAndTakeOver()
      .catch((error: unknown) =>
        this.logger.warn({ error: (error as Error).message }, 'room lease renewal failed'),
      )
      .finally(() => (this.ticking = undefined));
  }

  private async renewAndTakeOver(): Promise<void> {
    const mine = [...this.watched.values()];
    const ids = mine.map((w) => w.sessionGameId);
    const kept = new Set(await this.leases.renew(ids, this.instanceId, this.settings.leaseMs));
    const current = (w: Watched) => this.watched.get(w.sessionGameId) === w;
    for (const w of mine) {
      if (current(w) && !kept.has(w.sessionGameId)) {
        this.logger.warn(
          { sessionGameId: w.sessionGameId },
          'room lease lost: another instance watches it',
        );
        await this.end(w, true);
      }
    }
    const monitored = await this.sessionGames.monitoredGames();
    // A game that stopped playing while its monitor was being set up (its session closed, say)
    // missed the change that stops monitors: it stops here. Only monitors that ran before the
    // read count; a newer one may not be in it yet.
    const stillWanted = new Set(monitored.map((g) => g.id));
    for (const w of mine) {
      if (current(w) && !stillWanted.has(w.sessionGameId)) await this.end(w, false);
    }
    const wanted = monitored.filter((g) => !this.watched.has(g.id));
    const held = await this.leases.held(wanted.map((g) => g.id));
    for (const game of wanted) {
      if (held.has(game.id) || this.closing) continue;
      if (this.watched.size >= this.settings.max) break;
      await this.start(game.session_id, game.id, game.room_code, 'takeover');
    }
  }
}

function liveStatus(w: Watched): RoomStatus {
  const snapshot = w.monitor.snapshot();
  return {
    ...livePayload(w, snapshot),
    reason: snapshot.disconnectReason,
    appTagMatches: w.appTagMatches,
  };
}

function livePayload(w: Watched, snapshot: RoomSnapshot): RoomEventPayload {
  return {
    sessionId: w.sessionId,
    gameId: w.sessionGameId,
    roomCode: w.roomCode,
    appTag: snapshot.appTag,
    maxPlayers: snapshot.maxPlayers,
    playerCount: snapshot.playerCount,
    players: snapshot.players,
    lobbyState: snapshot.lobbyState,
    gameState: snapshot.gameState,
    gameStarted: snapshot.gameStarted,
    gameFinished: snapshot.gameFinished,
    monitoring: snapshot.monitoring,
  };
}

function storedPayload(sessionId: number, game: SessionGameDto): RoomEventPayload {
  return {
    sessionId,
    gameId: game.id,
    roomCode: game.room_code ?? '',
    appTag: game.app_tag,
    maxPlayers: game.room_max_players,
    playerCount: game.player_count ?? 0,
    players: [],
    lobbyState: game.lobby_state,
    gameState: null,
    gameStarted: game.game_started_at !== null,
    gameFinished: game.game_ended_at !== null,
    monitoring: game.monitoring,
  };
}
