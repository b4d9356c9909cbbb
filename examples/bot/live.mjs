// @ts-check
import WebSocket from 'ws';
import { unwrap } from '../../clients/typescript/index.mjs';

/** @typedef {import('../../clients/typescript/index.mjs').ApiClient} ApiClient */
/** @typedef {import('./state.mjs').EventPosition} EventPosition */
/** @typedef {{ type: string, id?: number, timestamp?: string, data?: unknown, message?: string, sessionId?: number }} ServerMessage */

/**
 * @typedef {object} LiveOptions
 * @property {string} baseUrl the API's address (`http://localhost:5000`)
 * @property {ApiClient} client
 * @property {(() => Promise<unknown>) | undefined} relogin gets a fresh token (undefined when the
 *   bot was given a token and has no key: it then stops when the token is refused)
 * @property {EventPosition} position
 * @property {(event: { type: string, id: number, data: unknown }) => void} onEvent
 * @property {(line: string) => void} log
 * @property {(reason: string) => void} onFatal
 * @property {number} reconnectMaxMs the longest wait between reconnects
 * @property {number} silenceMs how long without a frame or a ping before the connection is
 *   taken for dead (the server pings every WS_HEARTBEAT_MS, 30 s by default)
 */

const CLOSE_UNAUTHORIZED = 4401;

/**
 * Keeps one WebSocket to /api/sessions/live open: authenticates, follows the active session
 * (and the next one, on `session.started`), and after any disconnect reconnects with backoff
 * and resumes each session with `lastEventId`, so events are received once each, none missed.
 * @param {LiveOptions} options
 */
export function followLiveEvents(options) {
  const { client, position, log } = options;
  const url = options.baseUrl.replace(/^http/, 'ws').replace(/\/+$/, '') + '/api/sessions/live';
  /** @type {WebSocket | undefined} */
  let socket;
  let attempt = 0;
  let stopped = false;
  let tokenRefused = false;
  /** @type {NodeJS.Timeout | undefined} */
  let silence;
  /** @type {NodeJS.Timeout | undefined} */
  let retry;
  /** Ids received on this run: a safety net, the server sends each event once. */
  const seen = new Set();
  /** The sessions asked for on the current connection. */
  let following = new Set();

  function connect() {
    const ws = new WebSocket(url);
    socket = ws;
    following = new Set();
    const send = (/** @type {object} */ message) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    };
    const alive = () => {
      clearTimeout(silence);
      silence = setTimeout(() => {
        log('no word from the server for too long: reconnecting');
        ws.terminate();
      }, options.silenceMs);
    };
    ws.on('open', () => {
      log(`connected to ${url}`);
      alive();
      send({ type: 'auth', token: client.token });
    });
    ws.on('ping', alive);
    ws.on('message', (/** @type {Buffer} */ raw) => {
      alive();
      const parsed = /** @type {unknown} */ (JSON.parse(raw.toString('utf8')));
      const message = /** @type {ServerMessage} */ (parsed);
      handle(message, send).catch((/** @type {Error} */ error) => {
        log(`could not follow the session: ${error.message}`);
        ws.terminate();
      });
    });
    ws.on('error', (error) => log(`websocket error: ${error.message}`));
    ws.on('close', (code, reason) => {
      clearTimeout(silence);
      if (stopped) return;
      log(`disconnected (${code}${reason.length ? ` ${reason.toString()}` : ''})`);
      if (code === CLOSE_UNAUTHORIZED) tokenRefused = true;
      const delay = Math.min(options.reconnectMaxMs, 250 * 2 ** attempt++);
      retry = setTimeout(() => void reconnect(), delay * (0.5 + Math.random() / 2));
    });
  }

  async function reconnect() {
    if (stopped) return;
    if (tokenRefused) {
      if (!options.relogin) {
        return options.onFatal('the token was refused and there is no admin key to log in again');
      }
      try {
        await options.relogin();
        tokenRefused = false;
        log('logged in again');
      } catch (error) {
        log(`login failed: ${/** @type {Error} */ (error).message}`);
        retry = setTimeout(() => void reconnect(), options.reconnectMaxMs);
        return;
      }
    }
    connect();
  }

  /**
   * @param {number} sessionId
   * @param {number | undefined} lastEventId
   * @param {(message: object) => void} send
   */
  function subscribe(sessionId, lastEventId, send) {
    following.add(sessionId);
    log(
      `subscribing to session ${sessionId}${lastEventId === undefined ? '' : ` after event ${lastEventId}`}`,
    );
    send({ type: 'subscribe', sessionId, ...(lastEventId === undefined ? {} : { lastEventId }) });
  }

  /**
   * @param {ServerMessage} message
   * @param {(message: object) => void} send
   */
  async function handle(message, send) {
    switch (message.type) {
      case 'auth_success': {
        log('authenticated');
        // Sessions followed before the disconnect first (their end may have been missed),
        // then the active one, each from where the bot stood in it.
        const active = unwrap(await client.api.GET('/api/sessions/active'));
        const activeId = 'id' in active ? active.id : undefined;
        for (const sessionId of position.followed()) {
          if (sessionId !== activeId) subscribe(sessionId, position.resumeFrom(sessionId), send);
        }
        if (activeId === undefined) log('no active session: waiting for one to start');
        else subscribe(activeId, position.resumeFrom(activeId), send);
        return;
      }
      case 'auth_error':
        log(`authentication refused: ${message.message}`);
        tokenRefused = true;
        socket?.close();
        return;
      case 'subscribed':
        attempt = 0;
        log(`subscribed to session ${message.sessionId}`);
        return;
      case 'unsubscribed':
      case 'pong':
        return;
      case 'error': {
        log(`server error: ${message.message}`);
        // A followed session deleted meanwhile: stop asking for it.
        const gone = /^Session (\d+) not found$/.exec(message.message ?? '');
        if (gone) position.ended(Number(gone[1]));
        return;
      }
      default:
        break;
    }
    // Live-only snapshots (`game.status`) carry no id: nothing to resume, nothing to announce.
    if (typeof message.id !== 'number') return;
    if (seen.has(message.id)) return;
    seen.add(message.id);
    const sessionId = sessionOf(message);
    options.onEvent({ type: message.type, id: message.id, data: message.data });
    if (sessionId === undefined) return;
    if (message.type === 'session.ended') {
      position.ended(sessionId);
      following.delete(sessionId);
      send({ type: 'unsubscribe', sessionId });
      return;
    }
    position.received(sessionId, message.id);
    // A new session: follow it from its very first event, so nothing added meanwhile is missed.
    if (message.type === 'session.started' && !following.has(sessionId)) {
      subscribe(sessionId, message.id, send);
    }
  }

  connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(silence);
      clearTimeout(retry);
      socket?.close(1000, 'bot stopping');
    },
  };
}

/**
 * The session an event belongs to: `data.session.id` or `data.sessionId`, by event type.
 * @param {ServerMessage} message
 * @returns {number | undefined}
 */
function sessionOf(message) {
  const data = /** @type {{ session?: { id?: unknown }, sessionId?: unknown } | undefined} */ (
    message.data
  );
  const id = data?.session?.id ?? data?.sessionId;
  return typeof id === 'number' ? id : undefined;
}
