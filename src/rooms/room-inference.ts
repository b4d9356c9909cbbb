import { MAX_PLAYERS_LIMIT } from '../common/validators';
import {
  entityValue,
  isRecord,
  parseEntityUpdate,
  parseWelcome,
  shortText,
  type EcastFrame,
  type HereEntry,
} from './ecast-frames';

/**
 * Turns what a passive observer of a Jackbox room sees into the room's state and the changes
 * bots care about. Pure: no sockets, no timers; the monitor feeds it frames and lookups.
 *
 * Games differ in what they send (some never announce joins, some send no room updates to a
 * passive client at all), so every signal is optional and each conclusion has several
 * sources: a game starts on the first non-lobby room state after the lobby, on `room/lock`, or
 * on the lookup's `locked` flag; it ends on any post-game sign. Each game starts and ends once.
 */

/** Keys games use for the room's state blob: ecast-native games, then bridged Blobcast ones. */
const ROOM_KEYS = new Set(['room', 'bc:room', 'roomBlob']);
/** Room states some games use instead of `lobbyState: "PostGame"`. */
const POST_GAME_STATES = new Set(['Credits', 'GameOver', 'PostGame', 'DayEnd']);

export type RoomPhase = 'unknown' | 'lobby' | 'playing' | 'post-game';

export interface RoomPlayer {
  id: number;
  name: string;
}

/** What is known about a room; the monitor adds whether it is still being watched. */
export interface RoomState {
  roomCode: string;
  appTag: string | null;
  maxPlayers: number | null;
  minPlayers: number | null;
  /** Players who ever joined: seats are kept for reconnection, so this never goes down. */
  playerCount: number;
  players: string[];
  phase: RoomPhase;
  lobbyState: string | null;
  /** The room blob's `state` (`Lobby`, `Logo`, `Gameplay`, ...). */
  gameState: string | null;
  gameCanStart: boolean;
  gameStarted: boolean;
  gameFinished: boolean;
  /** 1 for the room's first game, incremented when players start another in the same room. */
  gameNumber: number;
  locked: boolean;
  closed: boolean;
}

export type RoomTransition =
  | { type: 'room.connected' }
  | { type: 'lobby.player-joined'; player: RoomPlayer }
  | { type: 'lobby.updated' }
  | { type: 'game.started'; gameNumber: number }
  | { type: 'game.ended'; gameNumber: number }
  /** The room went back to its lobby after a game: the next start is a new game. */
  | { type: 'lobby.reopened'; gameNumber: number }
  | { type: 'room.disconnected'; reason: 'room_closed' };

/**
 * What was recorded about the room's game before this monitor started (another instance watched
 * it, or this one before a restart), so a takeover neither announces the game again nor misses
 * its end.
 */
export interface RecordedGame {
  gameStarted: boolean;
  gameFinished: boolean;
  lobbyState: string | null;
}

/** The room lookup's fields the inference uses. */
export interface RoomLookupFacts {
  appTag?: string;
  maxPlayers?: number;
  minPlayers?: number;
  locked?: boolean;
}

type BlobKind = Exclude<RoomPhase, 'unknown'> | 'none';

interface RoomBlob {
  state?: string;
  lobbyState?: string;
  gameCanStart?: boolean;
  gameFinished?: boolean;
  hasArtifact: boolean;
  hasResults: boolean;
}

function readBlob(val: unknown): RoomBlob | undefined {
  let value = val;
  // Blobcast-era rooms arrive as `text` entities holding JSON.
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(value)) return undefined;
  const state = shortText(value.state);
  let lobbyState = shortText(value.lobbyState);
  // Some games fold the lobby state into the state: `Lobby_CanStart`.
  if (!lobbyState && state?.startsWith('Lobby_')) lobbyState = state.split('_')[1];
  return {
    state,
    lobbyState,
    gameCanStart: typeof value.gameCanStart === 'boolean' ? value.gameCanStart : undefined,
    gameFinished: typeof value.gameFinished === 'boolean' ? value.gameFinished : undefined,
    hasArtifact: value.artifact !== undefined && value.artifact !== null,
    hasResults: value.gameResults !== undefined && value.gameResults !== null,
  };
}

function classify(blob: RoomBlob): BlobKind {
  const { state, lobbyState } = blob;
  const postGame =
    lobbyState === 'PostGame' ||
    state?.split('_')[1] === 'PostGame' ||
    (state !== undefined && POST_GAME_STATES.has(state)) ||
    blob.gameFinished === true ||
    blob.hasArtifact ||
    blob.hasResults;
  if (postGame) return 'post-game';
  if (state === 'Lobby' || state?.startsWith('Lobby_')) return 'lobby';
  if (state) return 'playing';
  return 'none';
}

export class RoomInference {
  private readonly players = new Map<number, string>();
  private phase: RoomPhase = 'unknown';
  private lobbyState: string | null = null;
  private gameState: string | null = null;
  private gameCanStart = false;
  private gameNumber = 1;
  private gameStarted = false;
  private gameFinished = false;
  private locked = false;
  private closed = false;
  private welcomed = false;
  private appTag: string | null = null;
  private maxPlayers: number | null = null;
  private minPlayers: number | null = null;

  constructor(
    private readonly roomCode: string,
    recorded?: RecordedGame,
  ) {
    if (!recorded) return;
    this.lobbyState = recorded.lobbyState;
    if (recorded.gameFinished) {
      this.phase = 'post-game';
      this.gameStarted = true;
      this.gameFinished = true;
    } else if (recorded.gameStarted) {
      this.phase = 'playing';
      this.gameStarted = true;
    } else if (recorded.lobbyState !== null) {
      this.phase = 'lobby';
    }
  }

  state(): RoomState {
    const ordered = [...this.players.entries()].sort(([a], [b]) => a - b);
    return {
      roomCode: this.roomCode,
      appTag: this.appTag,
      maxPlayers: this.maxPlayers,
      minPlayers: this.minPlayers,
      playerCount: this.players.size,
      players: ordered.map(([, name]) => name),
      phase: this.phase,
      lobbyState: this.lobbyState,
      gameState: this.gameState,
      gameCanStart: this.gameCanStart,
      gameStarted: this.gameStarted,
      gameFinished: this.gameFinished,
      gameNumber: this.gameNumber,
      locked: this.locked,
      closed: this.closed,
    };
  }

  /**
   * Room for one more player. No game seats more than MAX_PLAYERS_LIMIT; past that, a roster is
   * not a game's, and each join would be an event carrying the whole list.
   */
  private hasSeat(): boolean {
    return this.players.size < MAX_PLAYERS_LIMIT;
  }

  /** A room lookup: its metadata, and `locked` as a start signal for games that send no updates. */
  applyLookup(facts: RoomLookupFacts): RoomTransition[] {
    if (facts.appTag) this.appTag = facts.appTag;
    if (facts.maxPlayers !== undefined) this.maxPlayers = facts.maxPlayers;
    if (facts.minPlayers !== undefined) this.minPlayers = facts.minPlayers;
    const out: RoomTransition[] = [];
    // Only from the lobby: the flag stays set after the game, so it cannot start a second one.
    if (facts.locked === true && (this.phase === 'lobby' || this.phase === 'unknown')) {
      this.locked = true;
      this.start(out);
    }
    return out;
  }

  /** A frame from the monitor's own connection: everything in it counts. */
  applyFrame(frame: EcastFrame): RoomTransition[] {
    if (this.closed || frame.re !== undefined) return [];
    const out: RoomTransition[] = [];
    switch (frame.opcode) {
      case 'client/welcome':
        this.applyWelcome(frame.result, out);
        break;
      case 'object':
      case 'text': {
        const update = parseEntityUpdate(frame.result);
        if (update && ROOM_KEYS.has(update.key)) this.applyRoomBlob(update.val, out);
        break;
      }
      case 'client/connected':
        this.applyConnected(frame.result, out);
        break;
      case 'room/lock':
        this.locked = true;
        if (this.phase !== 'playing') this.start(out);
        break;
      case 'artifact':
        if (this.phase === 'playing') this.end(out);
        break;
      case 'room/exit':
        this.closed = true;
        out.push({ type: 'room.disconnected', reason: 'room_closed' });
        break;
      default:
        break;
    }
    return out;
  }

  /**
   * A probe connection's welcome. Only its roster counts: a probe sees the room at another
   * moment than the main connection, and letting it move the game's phase made games start or
   * end twice.
   */
  applyProbeWelcome(result: unknown): RoomTransition[] {
    if (this.closed) return [];
    const welcome = parseWelcome(result);
    const out: RoomTransition[] = [];
    if (welcome) this.addPlayers(welcome.here, out);
    return out;
  }

  private applyWelcome(result: unknown, out: RoomTransition[]): void {
    const welcome = parseWelcome(result);
    if (!welcome) return;
    const first = !this.welcomed;
    this.welcomed = true;
    if (first) {
      out.push({ type: 'room.connected' });
      for (const entry of welcome.here) {
        const name = playerName(entry);
        if (name !== undefined && this.hasSeat()) this.players.set(entry.id, name);
      }
    } else {
      // A reconnect's snapshot: announce only who joined while we were away.
      this.addPlayers(welcome.here, out);
    }
    for (const [key, entry] of Object.entries(welcome.entities)) {
      if (ROOM_KEYS.has(key)) this.applyRoomBlob(entityValue(entry), out, first);
    }
  }

  private applyConnected(result: unknown, out: RoomTransition[]): void {
    if (!isRecord(result) || typeof result.id !== 'number') return;
    if (result.role !== 'player') return;
    this.addPlayer(result.id, shortText(result.name) ?? `Player ${result.id}`, out);
  }

  private addPlayers(here: HereEntry[], out: RoomTransition[]): void {
    for (const entry of here) {
      const name = playerName(entry);
      if (name !== undefined) this.addPlayer(entry.id, name, out);
    }
  }

  private addPlayer(id: number, name: string, out: RoomTransition[]): void {
    if (this.players.has(id) || !this.hasSeat()) return;
    this.players.set(id, name);
    out.push({ type: 'lobby.player-joined', player: { id, name } });
  }

  private applyRoomBlob(val: unknown, out: RoomTransition[], initial = false): void {
    const blob = readBlob(val);
    if (!blob) return;
    const before = [this.lobbyState, this.gameCanStart, this.gameState].join('|');
    this.gameState = blob.state ?? null;
    this.lobbyState = blob.lobbyState ?? null;
    this.gameCanStart = blob.gameCanStart ?? false;
    const kind = classify(blob);
    switch (kind) {
      case 'lobby': {
        if (this.phase === 'playing' || this.phase === 'post-game') {
          // Back in the lobby: the game is over (aborted, if it never reached its end).
          if (this.phase === 'playing') this.end(out);
          this.gameNumber += 1;
          this.gameStarted = false;
          this.gameFinished = false;
          this.locked = false;
          this.phase = 'lobby';
          out.push({ type: 'lobby.reopened', gameNumber: this.gameNumber });
          return;
        }
        const changed = before !== [this.lobbyState, this.gameCanStart, this.gameState].join('|');
        if (this.phase === 'lobby' && changed && !initial) out.push({ type: 'lobby.updated' });
        this.phase = 'lobby';
        return;
      }
      case 'playing':
        if (this.phase !== 'playing') this.start(out);
        return;
      case 'post-game':
        if (this.phase === 'post-game') return;
        // Joined after the end: the room is finished, but nothing was seen happen.
        if (this.phase === 'unknown' && initial) {
          this.phase = 'post-game';
          this.gameFinished = true;
          return;
        }
        if (this.phase !== 'playing') this.start(out);
        this.end(out);
        return;
      case 'none':
        return;
    }
  }

  private start(out: RoomTransition[]): void {
    if (this.phase === 'post-game') {
      // Straight from one game's results into the next.
      this.gameNumber += 1;
      this.gameFinished = false;
    }
    this.phase = 'playing';
    this.gameStarted = true;
    out.push({ type: 'game.started', gameNumber: this.gameNumber });
  }

  private end(out: RoomTransition[]): void {
    this.phase = 'post-game';
    this.gameFinished = true;
    out.push({ type: 'game.ended', gameNumber: this.gameNumber });
  }
}

/** A `here` entry's player name, or undefined when the entry is not a player (host, shard). */
function playerName(entry: HereEntry): string | undefined {
  const role = entry.roles.player;
  if (role === undefined) return undefined;
  return (isRecord(role) ? shortText(role.name) : undefined) ?? `Player ${entry.id}`;
}
