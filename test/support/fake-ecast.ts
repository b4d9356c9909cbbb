import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/**
 * A stand-in for Jackbox's ecast service: the room lookup and the play WebSocket (subprotocol
 * `ecast-v0`), with rooms a test scripts step by step. It records what clients sent (headers,
 * query parameters, reconnect credentials) so tests can check them.
 */

export interface FakeRoomOptions {
  appTag?: string;
  maxPlayers?: number;
  minPlayers?: number;
  /** `room` (ecast-native games) or `bc:room` (Blobcast-era games, sent as `text`). */
  blobKey?: 'room' | 'bc:room';
  /** Announce joins to passive clients with `client/connected`. */
  joinEvents?: boolean;
  /** Send room state updates to passive clients at all. */
  roomUpdates?: boolean;
  /** The `host` the lookup names; this server by default. */
  host?: string;
}

/** How the server answers a connection instead of a welcome. */
export type Rejection =
  { errorCode: number; msg?: string } | { upgradeStatus: number } | { closeCode: number };

export interface RecordedConnection {
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  protocol: string;
  socket?: WebSocket;
  open: boolean;
  welcomeId?: number;
  isProbe: boolean;
}

export interface RecordedLookup {
  code: string;
  headers: IncomingHttpHeaders;
}

export const lobbyBlob = (lobbyState: string, extra: object = {}) => ({
  state: 'Lobby',
  lobbyState,
  gameCanStart: lobbyState !== 'WaitingForMore',
  gameIsStarting: lobbyState === 'Countdown',
  gameFinished: false,
  characters: [],
  textDescriptions: [],
  ...extra,
});

export const postGameBlob = {
  state: 'Lobby',
  lobbyState: 'PostGame',
  gameCanStart: true,
  gameIsStarting: false,
  gameFinished: true,
  artifact: { artifactId: 'abc', categoryId: 'quiplash3Game', rootId: 'artifacts' },
};

export class FakeRoom {
  readonly players = new Map<number, string>();
  blob: unknown = lobbyBlob('WaitingForMore');
  locked = false;
  exists = true;
  /** When set, every new connection is answered this way. */
  rejection?: Rejection;
  /** Answers for the next connections, in order, before `rejection`. */
  readonly nextRejections: Rejection[] = [];
  /** When set, only reconnections (id and secret given) are answered this way. */
  reconnectRejection?: Rejection;
  private pc = 10;
  private version = 1;
  private nextPlayerId = 2;
  readonly options: Required<Omit<FakeRoomOptions, 'host'>> & { host?: string };

  constructor(
    readonly code: string,
    options: FakeRoomOptions,
    private readonly server: FakeEcast,
  ) {
    this.options = {
      appTag: 'quiplash3',
      maxPlayers: 8,
      minPlayers: 3,
      blobKey: 'room',
      joinEvents: true,
      roomUpdates: true,
      ...options,
    };
  }

  /** Open passive connections that are not probes. */
  mainConnections(): RecordedConnection[] {
    return this.server.connections.filter((c) => c.open && !c.isProbe && c.socket);
  }

  /** A player who joined: announced to passive clients when the room sends join events. */
  addPlayer(name: string): void {
    const id = this.seat(name);
    if (!this.options.joinEvents) return;
    this.broadcast('client/connected', {
      id,
      userId: `u-${name.toLowerCase()}`,
      name,
      role: 'player',
      reconnect: false,
      profile: { id, roles: { player: { name } } },
    });
  }

  /** A player in the room, announced to nobody (seen only in later welcomes). */
  seat(name: string): number {
    const id = this.nextPlayerId++;
    this.players.set(id, name);
    return id;
  }

  setBlob(blob: unknown): void {
    this.blob = blob;
    this.version += 1;
    if (!this.options.roomUpdates) return;
    const text = this.options.blobKey === 'bc:room';
    this.broadcast(text ? 'text' : 'object', {
      key: this.options.blobKey,
      val: text ? JSON.stringify(blob) : blob,
      version: this.version,
      from: 1,
    });
  }

  lock(): void {
    this.locked = true;
    this.broadcast('room/lock', {});
  }

  /** The host ends the room: `room/exit`, then a normal close; the code stops resolving. */
  exit(): void {
    this.exists = false;
    this.broadcast('room/exit', { cause: 5 });
    for (const c of this.mainConnections()) c.socket?.close(1000);
  }

  /**
   * The host vanishes: a normal close with no `room/exit`. The lookup still answers, as the
   * service may hold the room for the host's return: the close alone must end monitoring.
   */
  hostLeaves(): void {
    for (const c of this.mainConnections()) c.socket?.close(1000);
  }

  /** Cuts the TCP connections without a close frame (the client sees 1006). */
  drop(): void {
    for (const c of this.mainConnections()) c.socket?.terminate();
  }

  send(socket: WebSocket, opcode: string, result: unknown): void {
    this.pc += 1;
    socket.send(JSON.stringify({ pc: this.pc, opcode, result }));
  }

  broadcast(opcode: string, result: unknown): void {
    for (const c of this.mainConnections()) this.send(c.socket!, opcode, result);
  }

  welcome(id: number, secret: string, reconnect: boolean) {
    const here: Record<string, unknown> = { '1': { id: 1, roles: { host: {} } } };
    for (const [playerId, name] of this.players) {
      here[String(playerId)] = { id: playerId, roles: { player: { name } } };
    }
    const text = this.options.blobKey === 'bc:room';
    const key = this.options.blobKey;
    return {
      id,
      name: 'GamePicker',
      secret,
      reconnect,
      deviceId: '0000000000.000000',
      entities: {
        [key]: [
          text ? 'text' : 'object',
          {
            key,
            val: text ? JSON.stringify(this.blob) : this.blob,
            version: this.version,
            from: 1,
          },
          { locked: false },
        ],
      },
      here,
      profile: null,
    };
  }

  lookupBody(host: string) {
    return {
      appId: 'test-app',
      appTag: this.options.appTag,
      audienceEnabled: false,
      code: this.code,
      host: this.options.host ?? host,
      audienceHost: this.options.host ?? host,
      locked: this.locked,
      full: false,
      maxPlayers: this.options.maxPlayers,
      minPlayers: this.options.minPlayers,
      moderationEnabled: false,
      passwordRequired: false,
      twitchLocked: false,
      locale: 'en',
      keepalive: false,
      controllerBranch: '',
    };
  }
}

export class FakeEcast {
  readonly rooms = new Map<string, FakeRoom>();
  readonly lookups: RecordedLookup[] = [];
  readonly connections: RecordedConnection[] = [];
  /** Answers for the next lookups, in order, before the rooms are consulted. */
  readonly lookupFailures: { status: number; body: string; contentType: string }[] = [];
  /** Credentials handed out: secret per client id. */
  private readonly secrets = new Map<number, string>();
  private nextClientId = 1000001;
  private readonly sockets = new Set<Socket>();
  private readonly http: Server;
  private readonly wss: WebSocketServer;

  private constructor() {
    this.http = createServer((req, res) => {
      const match = /^\/api\/v2\/rooms\/([^/?]+)$/.exec(req.url ?? '');
      if (req.method !== 'GET' || !match) {
        res.writeHead(404, { 'content-type': 'text/html' }).end('<html>not here</html>');
        return;
      }
      const code = decodeURIComponent(match[1]);
      this.lookups.push({ code, headers: req.headers });
      const failure = this.lookupFailures.shift();
      if (failure) {
        res.writeHead(failure.status, { 'content-type': failure.contentType }).end(failure.body);
        return;
      }
      const room = this.rooms.get(code);
      if (!room?.exists) {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok: false, error: 'no such room' }));
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: true, body: room.lookupBody(this.host) }));
    });
    // Longer than any test waits: an idle lookup connection closes only if the client closes it.
    this.http.keepAliveTimeout = 60_000;
    this.http.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (protocols) => (protocols.has('ecast-v0') ? 'ecast-v0' : false),
    });
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket as Socket, head));
  }

  static async start(): Promise<FakeEcast> {
    const fake = new FakeEcast();
    await new Promise<void>((resolve) => fake.http.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get host(): string {
    return `127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  get baseUrl(): string {
    return `http://${this.host}`;
  }

  addRoom(code: string, options: FakeRoomOptions = {}): FakeRoom {
    const room = new FakeRoom(code, options, this);
    this.rooms.set(code, room);
    return room;
  }

  openConnections(): RecordedConnection[] {
    return this.connections.filter((c) => c.open);
  }

  /** TCP connections still open to this server, HTTP and WebSocket alike. */
  openSockets(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket?.terminate();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private onUpgrade(req: import('node:http').IncomingMessage, socket: Socket, head: Buffer) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const record: RecordedConnection = {
      query,
      headers: req.headers,
      protocol: String(req.headers['sec-websocket-protocol'] ?? ''),
      open: false,
      isProbe: (query['user-id'] ?? '').endsWith('-probe'),
    };
    this.connections.push(record);
    const refuse = (status: number) => {
      socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    const match = /^\/api\/v2\/rooms\/([^/]+)\/play$/.exec(url.pathname);
    const room = match ? this.rooms.get(decodeURIComponent(match[1])) : undefined;
    if (!room?.exists) return refuse(404);
    const reconnecting = query.id !== undefined && query.secret !== undefined;
    const rejection =
      room.nextRejections.shift() ?? ((reconnecting && room.reconnectRejection) || room.rejection);
    if (rejection && 'upgradeStatus' in rejection) return refuse(rejection.upgradeStatus);
    if (!record.protocol.split(',').some((p) => p.trim() === 'ecast-v0')) return refuse(400);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      record.socket = ws;
      record.open = true;
      ws.on('close', () => (record.open = false));
      if (rejection && 'errorCode' in rejection) {
        ws.send(
          JSON.stringify({
            pc: 0,
            opcode: 'error',
            result: { code: rejection.errorCode, msg: rejection.msg ?? 'refused' },
          }),
        );
        ws.close(1000);
        return;
      }
      if (rejection && 'closeCode' in rejection) {
        ws.close(rejection.closeCode);
        return;
      }
      if (reconnecting) {
        const id = Number(query.id);
        if (this.secrets.get(id) !== query.secret) {
          room.send(ws, 'error', { code: 2008, msg: 'no such client' });
          ws.close(1000);
          return;
        }
        record.welcomeId = id;
        room.send(ws, 'client/welcome', room.welcome(id, query.secret, true));
        return;
      }
      // A player connection takes a seat, as on the real service: everyone in the room sees it.
      if (query.role === 'player') room.seat(query.name ?? 'PLAYER');
      const id = this.nextClientId++;
      const secret = `s3cr3t-${id}`;
      this.secrets.set(id, secret);
      record.welcomeId = id;
      room.send(ws, 'client/welcome', room.welcome(id, secret, false));
    });
  }
}
