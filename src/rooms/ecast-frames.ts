import { MAX_PLAYERS_LIMIT } from '../common/validators';

/**
 * The shapes of ecast frames the room monitor reads, and a parser that never throws: a frame
 * we cannot read is skipped, not fatal, because the service adds opcodes without notice.
 */

/**
 * What the room service says is stored and announced, so each value is held to what the
 * columns and events take: one odd value must never fail the write of every event of a room.
 */

/** A seat count: a whole number from 0 to MAX_PLAYERS_LIMIT, or nothing. */
export function seatCount(value: unknown): number | undefined {
  return typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= 0 &&
    value <= MAX_PLAYERS_LIMIT
    ? value
    : undefined;
}

/**
 * A short text (a state, a player's name): at most `max` characters, control characters (NUL,
 * which PostgreSQL text cannot hold, among them) as U+FFFD; nothing if it is not a string.
 */
export function shortText(value: unknown, max = 64): string | undefined {
  if (typeof value !== 'string') return undefined;
  return value.slice(0, max).replace(/\p{Cc}/gu, '\uFFFD');
}

/** A server frame: a notification (`pc`, `opcode`, `result`) or a reply (`re` set). */
export interface EcastFrame {
  /** Room-wide counter; a client sees gaps, so it orders frames but does not detect loss. */
  pc?: number;
  /** Set on replies to a request of ours; the monitor sends none, so these are ignored. */
  re?: number;
  opcode: string;
  result: unknown;
}

/** One entry of a welcome's `here` map: a connected (or remembered) client and its role. */
export interface HereEntry {
  id: number;
  roles: Record<string, unknown>;
}

export interface EcastWelcome {
  id: number;
  secret?: string;
  deviceId?: string;
  reconnect: boolean;
  /** key -> `[type, {key, val, version, from}, {locked}]`. */
  entities: Record<string, unknown>;
  here: HereEntry[];
}

export interface EntityUpdate {
  key: string;
  val: unknown;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseFrame(data: string): EcastFrame | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  // Some server builds name the opcode `type`.
  const opcode = typeof parsed.opcode === 'string' ? parsed.opcode : parsed.type;
  if (typeof opcode !== 'string') return undefined;
  return {
    pc: typeof parsed.pc === 'number' ? parsed.pc : undefined,
    re: typeof parsed.re === 'number' ? parsed.re : undefined,
    opcode,
    result: parsed.result,
  };
}

export function parseHere(here: unknown): HereEntry[] {
  if (!isRecord(here)) return [];
  const entries: HereEntry[] = [];
  for (const [key, value] of Object.entries(here)) {
    if (!isRecord(value) || !isRecord(value.roles)) continue;
    const id = typeof value.id === 'number' ? value.id : Number(key);
    if (!Number.isInteger(id)) continue;
    entries.push({ id, roles: value.roles });
  }
  return entries;
}

export function parseWelcome(result: unknown): EcastWelcome | undefined {
  if (!isRecord(result) || typeof result.id !== 'number') return undefined;
  return {
    id: result.id,
    secret: typeof result.secret === 'string' ? result.secret : undefined,
    deviceId: typeof result.deviceId === 'string' ? result.deviceId : undefined,
    reconnect: result.reconnect === true,
    entities: isRecord(result.entities) ? result.entities : {},
    here: parseHere(result.here),
  };
}

/** The `{key, val}` of an `object` or `text` notification. */
export function parseEntityUpdate(result: unknown): EntityUpdate | undefined {
  if (!isRecord(result) || typeof result.key !== 'string') return undefined;
  return { key: result.key, val: result.val };
}

/** The `val` of a welcome's entity tuple, or undefined when the entry has another shape. */
export function entityValue(entry: unknown): unknown {
  if (!Array.isArray(entry) || entry.length < 2) return undefined;
  const body: unknown = entry[1];
  return isRecord(body) ? body.val : undefined;
}

/** The error code and message of an `error` frame. */
export function parseError(result: unknown): { code?: number; msg?: string } {
  if (!isRecord(result)) return {};
  // Some clients read the code from `error`; `code` is what the service sends.
  const raw = result.code ?? result.error;
  const code = typeof raw === 'number' ? raw : Number.isInteger(Number(raw)) ? Number(raw) : NaN;
  return {
    code: Number.isNaN(code) ? undefined : code,
    msg: typeof result.msg === 'string' ? result.msg : undefined,
  };
}
