import { request, type Dispatcher } from 'undici';
import WebSocket from 'ws';
import { APP_TAG_PATTERN } from '../common/validators';
import {
  isRecord,
  parseError,
  parseFrame,
  parseWelcome,
  seatCount,
  type EcastFrame,
} from './ecast-frames';

/**
 * The two calls a passive observer makes to ecast: the room lookup over HTTP, and a WebSocket
 * to the play server the lookup names. Both send what a browser on the Jackbox site sends,
 * because bare clients have been turned away.
 */

export const ECAST_SUBPROTOCOL = 'ecast-v0';
export const DEFAULT_USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

export interface EcastEndpoint {
  /** `https://ecast.jackboxgames.com`; its scheme decides `wss` or `ws`. */
  baseUrl: string;
  /**
   * The domain play servers must be under. By default, the base URL's host without its first
   * label (`jackboxgames.com`), or the host itself for an address or a two-label name.
   */
  ecastDomain?: string;
  userAgent?: string;
}

export function browserHeaders(userAgent = DEFAULT_USER_AGENT): Record<string, string> {
  return {
    'User-Agent': userAgent,
    Accept: 'application/json, text/plain, */*',
    Origin: 'https://jackbox.tv',
    Referer: 'https://jackbox.tv/',
  };
}

/** Why watching a room stopped for good. */
export type DisconnectReason =
  'room_closed' | 'room_not_found' | 'connection_failed' | 'role_rejected' | 'manually_stopped';

/** The room lookup's answer, reduced to what monitoring needs. */
export interface EcastRoom {
  code: string;
  appTag?: string;
  /** `host[:port]` of the play server, checked against the ecast domain. */
  host: string;
  locked: boolean;
  maxPlayers?: number;
  minPlayers?: number;
}

export type LookupResult = { found: true; room: EcastRoom } | { found: false };

/** A failure worth retrying: a server error, an HTML page from a proxy, a network error. */
export class TransientEcastError extends Error {}
/** A failure retrying cannot fix. */
export class FinalEcastError extends Error {
  constructor(
    readonly reason: DisconnectReason,
    message: string,
  ) {
    super(message);
  }
}

const HOST_PATTERN = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;

export function defaultEcastDomain(baseUrl: string): string {
  const host = new URL(baseUrl).hostname.toLowerCase();
  const labels = host.split('.');
  if (/^[\d.]+$/.test(host) || host.includes(':') || labels.length < 3) return host;
  return labels.slice(1).join('.');
}

/** Whether a play server named by a lookup may be connected to. */
export function isAllowedHost(host: string, domain: string): boolean {
  if (!HOST_PATTERN.test(host)) return false;
  const hostname = host.split(':')[0].toLowerCase();
  const d = domain.toLowerCase();
  return hostname === d || hostname.endsWith(`.${d}`);
}

export async function lookupRoom(
  endpoint: EcastEndpoint,
  code: string,
  options: { dispatcher?: Dispatcher; signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<LookupResult> {
  const url = new URL(`/api/v2/rooms/${encodeURIComponent(code)}`, endpoint.baseUrl);
  let statusCode: number;
  let text: string;
  try {
    const response = await request(url, {
      method: 'GET',
      headers: browserHeaders(endpoint.userAgent),
      dispatcher: options.dispatcher,
      signal: options.signal,
      headersTimeout: options.timeoutMs ?? 10_000,
      bodyTimeout: options.timeoutMs ?? 10_000,
    });
    statusCode = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    throw new TransientEcastError(`room lookup failed: ${(error as Error).message}`);
  }
  if (statusCode === 404) return { found: false };
  if (statusCode >= 500 || statusCode === 429) {
    throw new TransientEcastError(`room lookup answered ${statusCode}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new TransientEcastError(`room lookup answered ${statusCode} without JSON`);
  }
  if (!isRecord(body)) throw new TransientEcastError('room lookup answered an unreadable body');
  if (body.ok === false) return { found: false };
  if (statusCode !== 200 || !isRecord(body.body)) {
    throw new TransientEcastError(`room lookup answered ${statusCode}`);
  }
  const room = body.body;
  if (typeof room.host !== 'string') throw new TransientEcastError('room lookup named no host');
  const domain = endpoint.ecastDomain ?? defaultEcastDomain(endpoint.baseUrl);
  if (!isAllowedHost(room.host, domain)) {
    throw new FinalEcastError('connection_failed', `play server outside ${domain} refused`);
  }
  return {
    found: true,
    room: {
      code: typeof room.code === 'string' ? room.code : code,
      appTag:
        typeof room.appTag === 'string' && APP_TAG_PATTERN.test(room.appTag)
          ? room.appTag
          : undefined,
      host: room.host,
      locked: room.locked === true,
      maxPlayers: seatCount(room.maxPlayers),
      minPlayers: seatCount(room.minPlayers),
    },
  };
}

/** Credentials from a welcome, so a reconnect keeps the same identity. */
export interface Reconnection {
  id: number;
  secret: string;
  deviceId?: string;
}

export interface PlayConnectionOptions {
  endpoint: EcastEndpoint;
  host: string;
  code: string;
  role: string;
  name: string;
  userId: string;
  reconnect?: Reconnection;
  handshakeTimeoutMs?: number;
  onFrame: (frame: EcastFrame) => void;
}

/** How a play connection ended. */
export type ConnectionEnd =
  /** The service refused us with an error frame or a refused upgrade; final. */
  | { kind: 'rejected'; reason: DisconnectReason; detail: string }
  /** Worth another try (abnormal close, transient error code, refused id/secret). */
  | { kind: 'retry'; detail: string; dropCredentials: boolean }
  /** The room ended: `room/exit`, or a normal close after the welcome. */
  | { kind: 'room-ended'; detail: string }
  /** We closed it. */
  | { kind: 'closed' };

const TRANSIENT_CODES = new Set([1000, 1001, 1002, 1003, 2420]);
/** Error codes that mean our reconnect credentials are no longer valid. */
const STALE_CREDENTIAL_CODES = new Set([2008]);

function rejectionFor(code: number | undefined): DisconnectReason | undefined {
  switch (code) {
    case 2013:
      return 'room_not_found';
    case 2014:
      return 'role_rejected';
    case 2027:
      return 'room_closed';
    case undefined:
    default:
      return undefined;
  }
}

/** The play WebSocket's address; its scheme follows the base URL's (`https` → `wss`). */
export function playUrl(
  options: Pick<
    PlayConnectionOptions,
    'endpoint' | 'host' | 'code' | 'role' | 'name' | 'userId' | 'reconnect'
  >,
): URL {
  const secure = new URL(options.endpoint.baseUrl).protocol === 'https:';
  const url = new URL(
    `${secure ? 'wss' : 'ws'}://${options.host}/api/v2/rooms/${encodeURIComponent(options.code)}/play`,
  );
  url.searchParams.set('role', options.role);
  url.searchParams.set('name', options.name);
  url.searchParams.set('format', 'json');
  url.searchParams.set('user-id', options.userId);
  if (options.reconnect) {
    url.searchParams.set('id', String(options.reconnect.id));
    url.searchParams.set('secret', options.reconnect.secret);
    if (options.reconnect.deviceId) {
      url.searchParams.set('device-id', options.reconnect.deviceId);
    }
  }
  return url;
}

/**
 * One WebSocket to a room's play server. Frames go to `onFrame`; `ended` settles once, when
 * the socket is gone, with why. Never joins as a player: the role is the caller's, and the
 * monitor refuses `player`.
 */
export class PlayConnection {
  readonly ended: Promise<ConnectionEnd>;
  private readonly socket: WebSocket;
  private welcomed = false;
  private roomExit = false;
  private outcome?: ConnectionEnd;
  private finished = false;
  private resolveEnded!: (end: ConnectionEnd) => void;

  constructor(private readonly options: PlayConnectionOptions) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    const url = playUrl(options);
    this.socket = new WebSocket(url, [ECAST_SUBPROTOCOL], {
      headers: browserHeaders(options.endpoint.userAgent),
      handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
      followRedirects: false,
      perMessageDeflate: false,
    });
    this.socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as ArrayBuffer).toString('utf8');
      this.onMessage(text);
    });
    this.socket.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      this.outcome ??=
        status === 404
          ? { kind: 'rejected', reason: 'room_not_found', detail: 'upgrade refused with 404' }
          : status === 400
            ? { kind: 'rejected', reason: 'role_rejected', detail: 'upgrade refused with 400' }
            : { kind: 'retry', detail: `upgrade refused with ${status}`, dropCredentials: false };
      this.socket.terminate();
    });
    // Errors are followed by `close`; the detail is kept for the outcome.
    this.socket.on('error', (error) => {
      this.outcome ??= { kind: 'retry', detail: error.message, dropCredentials: false };
    });
    this.socket.on('close', (code) => this.onClose(code));
  }

  get isOpen(): boolean {
    return !this.finished;
  }

  /** Closes the socket; `ended` settles with `closed` unless it had already ended. */
  close(): Promise<ConnectionEnd> {
    this.outcome ??= { kind: 'closed' };
    if (this.socket.readyState === WebSocket.OPEN) {
      this.socket.close(1000);
      // A peer that never answers the close handshake must not keep the socket alive.
      const timer = setTimeout(() => this.socket.terminate(), 2_000);
      void this.ended.finally(() => clearTimeout(timer));
    } else {
      this.socket.terminate();
    }
    return this.ended;
  }

  private onMessage(data: string): void {
    const frame = parseFrame(data);
    if (!frame) return;
    if (frame.opcode === 'error' && frame.re === undefined) {
      this.onError(frame.result);
      return;
    }
    if (frame.opcode === 'client/welcome') {
      if (!parseWelcome(frame.result)) return;
      this.welcomed = true;
    }
    if (frame.opcode === 'room/exit') this.roomExit = true;
    this.options.onFrame(frame);
  }

  private onError(result: unknown): void {
    const { code, msg } = parseError(result);
    const detail = `ecast error ${code ?? '?'}${msg ? ` (${msg})` : ''}`;
    const reason = rejectionFor(code);
    if (reason) {
      this.outcome ??= { kind: 'rejected', reason, detail };
    } else if (code !== undefined && STALE_CREDENTIAL_CODES.has(code)) {
      this.outcome ??= { kind: 'retry', detail, dropCredentials: true };
    } else if (code !== undefined && TRANSIENT_CODES.has(code)) {
      this.outcome ??= { kind: 'retry', detail, dropCredentials: false };
    } else if (!this.welcomed) {
      this.outcome ??= { kind: 'retry', detail, dropCredentials: false };
    } else {
      // An error about something else once connected (a request we did not make): not fatal.
      return;
    }
    this.socket.close(1000);
  }

  private onClose(code: number): void {
    this.finished = true;
    let end: ConnectionEnd;
    if (this.outcome?.kind === 'closed' || this.outcome?.kind === 'rejected') {
      end = this.outcome;
    } else if (this.roomExit) {
      end = { kind: 'room-ended', detail: 'room/exit' };
    } else if (this.outcome) {
      end = this.outcome;
    } else if (this.welcomed && (code === 1000 || code === 1005)) {
      end = { kind: 'room-ended', detail: `closed with ${code}` };
    } else {
      end = { kind: 'retry', detail: `closed with ${code}`, dropCredentials: false };
    }
    this.resolveEnded(end);
  }
}
