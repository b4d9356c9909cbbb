import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MIN_ADMIN_KEY_LENGTH, MIN_JWT_SECRET_LENGTH, unsafeSecret } from './shipped-secrets';

export { MIN_ADMIN_KEY_LENGTH, MIN_JWT_SECRET_LENGTH } from './shipped-secrets';

/** A bad or missing setting: start-up stops with this one-line message. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
  }
}

export interface AdminAccount {
  name: string;
  key: string;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Everything the app needs from its environment, checked once at boot. */
export interface AppConfig {
  port: number;
  host: string;
  /** Unset: the server runs its own PostgreSQL under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  embeddedDbPort: number;
  /** Admins from ADMIN_CONFIG_PATH and ADMIN_KEY; empty means "generate one" (embedded mode only). */
  admins: AdminAccount[];
  /** Unset means "generate one" (embedded mode only). */
  jwtSecret?: string;
  jwtExpiresIn: string;
  logLevel: LogLevel;
  /** Empty: CORS off. `['*']`: any origin. */
  corsOrigins: string[];
  trustProxy: boolean;
  http: {
    /**
     * A request's headers and body must all arrive within this long, or it is answered 408
     * and its connection closed: a slow client cannot hold a connection by trickling bytes.
     */
    requestTimeoutMs: number;
  };
  loginRateLimit: { limit: number; windowSeconds: number };
  live: {
    /** A socket must authenticate within this long. */
    authTimeoutMs: number;
    /** Protocol ping interval; a peer that misses one is dropped at the next. */
    heartbeatMs: number;
    /** Messages a socket may send per 10 seconds. */
    messagesPer10s: number;
    /** The most a socket may have sent and unread, in Node or the kernel (see SendWindow). */
    maxBufferedBytes: number;
    /**
     * An admin's presence lasts this long after their socket was last heard from (a message or
     * an answered ping); more than `heartbeatMs`, so a healthy socket never lapses.
     */
    presenceTimeoutMs: number;
  };
  database: {
    /** Connections of the main pool (everything but live votes). */
    poolSize: number;
    /**
     * Connections reserved for live votes. Every vote of a game night updates the same game
     * row, so more connections only queue on its lock; a few keep the hand-offs fast.
     */
    votePoolSize: number;
    /**
     * How long opening a connection, or waiting for a free one, may take (every pool and the
     * event relay's listener).
     */
    connectionTimeoutMs: number;
    /**
     * How long one statement may run: PostgreSQL cancels it then. A server that does not answer
     * at all (frozen, or the network lost) has the connection dropped a second later.
     */
    statementTimeoutMs: number;
    /** The same bound for imports (catalog CSV, chat log) and the retention sweeps. */
    longStatementTimeoutMs: number;
    /** Requests that may wait for a connection of a pool; more are answered 503 at once. */
    maxWaiting: number;
  };
  /** How long events are kept for resuming bots (at least a day). */
  eventRetentionHours: number;
  webhooks: {
    /** Loopback and private addresses are allowed unless this is false. */
    allowPrivate: boolean;
    /** Hosts allowed even when private addresses are not. */
    allowedHosts: string[];
    /** Deliveries in flight at once, per instance. */
    concurrency: number;
    /** Deliveries in flight at once to any one webhook, per instance. */
    perWebhook: number;
    /** How often due retries are looked for (new events wake the worker at once). */
    pollMs: number;
    timeoutMs: number;
    /** How long a claimed delivery stays reserved; a crashed worker's claim expires after it. */
    leaseMs: number;
  };
  metrics: {
    /** Unset: GET /metrics is open. Set: it needs `Authorization: Bearer <token>`. */
    token?: string;
  };
  rooms: {
    /** Off: no room is watched; the player-check endpoints answer 503. */
    enabled: boolean;
    /** Jackbox's ecast service; its scheme decides `wss` or `ws` for the play connection. */
    ecastBaseUrl: string;
    /** The role the passive connection asks for; ecast may refuse it (`role_rejected`). */
    role: string;
    /** How often a short probe connection refreshes the roster; 0 turns probes off. */
    probeIntervalMs: number;
    /** How often a watched room's snapshot goes out as `game.status`. */
    statusIntervalMs: number;
    /** Rooms one instance watches at most; past it, starting another answers 503. */
    max: number;
    /**
     * How long an instance's claim on a room lasts unrenewed (renewed every third of it): when
     * an instance dies, another takes its rooms over within about this long.
     */
    leaseMs: number;
  };
}

export const MIN_METRICS_TOKEN_LENGTH = 16;
type Env = Record<string, string | undefined>;

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false (got "${raw}")`);
}

export function readDatabaseUrl(env: Env): string | undefined {
  const raw = text(env, 'DATABASE_URL');
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      'DATABASE_URL',
      'is not a valid URL (expected postgres://user:pass@host:5432/db)',
    );
  }
  if (!['postgres:', 'postgresql:'].includes(url.protocol)) {
    throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql://');
  }
  return raw;
}

function adminsFromFile(file: string): AdminAccount[] {
  if (!existsSync(file)) {
    throw new ConfigError('ADMIN_CONFIG_PATH', `points to a missing file: ${file}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ConfigError('ADMIN_CONFIG_PATH', `is not valid JSON: ${file}`);
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.every(
      (a: unknown) =>
        typeof a === 'object' &&
        a !== null &&
        typeof (a as AdminAccount).name === 'string' &&
        (a as AdminAccount).name.trim() !== '' &&
        typeof (a as AdminAccount).key === 'string',
    );
  if (!valid) {
    throw new ConfigError(
      'ADMIN_CONFIG_PATH',
      'must hold a JSON list of {"name": "...", "key": "..."}',
    );
  }
  const accounts = (parsed as AdminAccount[]).map(({ name, key }) => ({ name: name.trim(), key }));
  for (const { name, key } of accounts) {
    const problem = unsafeSecret(key, MIN_ADMIN_KEY_LENGTH);
    if (problem) throw new ConfigError('ADMIN_CONFIG_PATH', `key of ${name} ${problem}`);
  }
  return accounts;
}

function admins(env: Env): AdminAccount[] {
  const list: AdminAccount[] = [];
  const file = text(env, 'ADMIN_CONFIG_PATH');
  if (file) list.push(...adminsFromFile(path.resolve(file)));
  const key = text(env, 'ADMIN_KEY');
  if (key !== undefined) {
    const problem = unsafeSecret(key, MIN_ADMIN_KEY_LENGTH);
    if (problem) throw new ConfigError('ADMIN_KEY', problem);
    list.push({ name: 'Admin', key });
  }
  const names = new Set(list.map((a) => a.name));
  const keys = new Set(list.map((a) => a.key));
  if (names.size !== list.length || keys.size !== list.length) {
    throw new ConfigError(
      file ? 'ADMIN_CONFIG_PATH' : 'ADMIN_KEY',
      'lists the same admin name or key twice',
    );
  }
  return list;
}

function jwtExpiresIn(env: Env): string {
  const raw = text(env, 'JWT_EXPIRES_IN') ?? '24h';
  if (!/^[1-9]\d*[smhdw]?$/.test(raw)) {
    throw new ConfigError('JWT_EXPIRES_IN', `must look like 3600, 90m, 24h or 7d (got "${raw}")`);
  }
  return raw;
}

function logLevel(env: Env): LogLevel {
  const raw = (text(env, 'LOG_LEVEL') ?? 'info').toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(raw)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${raw}")`);
  }
  return raw;
}

function httpUrl(env: Env, name: string, fallback: string): string {
  const raw = text(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not a valid URL (got "${raw}")`);
  }
  if (!['http:', 'https:'].includes(url.protocol)) {
    throw new ConfigError(name, `must start with http:// or https:// (got "${raw}")`);
  }
  return raw.replace(/\/+$/, '');
}

function roomRole(env: Env): string {
  const raw = text(env, 'ROOM_MONITOR_ROLE') ?? 'shard';
  // A player seat would take a place in the game the monitor only watches.
  if (!/^[a-z]+$/.test(raw) || raw === 'player') {
    throw new ConfigError('ROOM_MONITOR_ROLE', `must be a role other than player (got "${raw}")`);
  }
  return raw;
}

function corsOrigins(env: Env): string[] {
  const raw = text(env, 'CORS_ORIGINS');
  if (raw === undefined) return [];
  const origins = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(
        'CORS_ORIGINS',
        `must be * or a comma-separated list of http(s)://host[:port] origins (got "${origin}")`,
      );
    }
  }
  return origins;
}

/** Builds and checks the configuration; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: Env): AppConfig {
  const config: AppConfig = {
    port: integer(env, 'PORT', 5000, 0, 65535),
    host: text(env, 'HOST') ?? '0.0.0.0',
    databaseUrl: readDatabaseUrl(env),
    dataDir: path.resolve(text(env, 'DATA_DIR') ?? 'data'),
    embeddedDbPort: integer(env, 'EMBEDDED_DB_PORT', 54329, 1024, 65535),
    admins: admins(env),
    jwtSecret: text(env, 'JWT_SECRET'),
    jwtExpiresIn: jwtExpiresIn(env),
    logLevel: logLevel(env),
    corsOrigins: corsOrigins(env),
    trustProxy: boolean(env, 'TRUST_PROXY', false),
    http: { requestTimeoutMs: integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 10_000, 100, 3_600_000) },
    loginRateLimit: {
      limit: integer(env, 'LOGIN_RATE_LIMIT', 10, 1, 100000),
      windowSeconds: integer(env, 'LOGIN_RATE_WINDOW_SECONDS', 60, 1, 86400),
    },
    live: {
      authTimeoutMs: integer(env, 'WS_AUTH_TIMEOUT_MS', 10_000, 100, 600_000),
      heartbeatMs: integer(env, 'WS_HEARTBEAT_MS', 30_000, 100, 600_000),
      messagesPer10s: integer(env, 'WS_MESSAGES_PER_10S', 100, 1, 100_000),
      maxBufferedBytes: integer(
        env,
        'WS_MAX_BUFFERED_BYTES',
        1024 * 1024,
        1024,
        1024 * 1024 * 1024,
      ),
      // Past a long heartbeat by default, so setting only WS_HEARTBEAT_MS never fails the check below.
      presenceTimeoutMs: integer(
        env,
        'PRESENCE_TIMEOUT_MS',
        Math.max(45_000, Math.ceil(integer(env, 'WS_HEARTBEAT_MS', 30_000, 100, 600_000) * 1.5)),
        100,
        900_000,
      ),
    },
    database: {
      poolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 1000),
      votePoolSize: integer(env, 'DB_VOTE_POOL_SIZE', 8, 1, 1000),
      connectionTimeoutMs: integer(env, 'DB_CONNECT_TIMEOUT_MS', 5_000, 100, 600_000),
      statementTimeoutMs: integer(env, 'DB_STATEMENT_TIMEOUT_MS', 5_000, 100, 600_000),
      longStatementTimeoutMs: integer(
        env,
        'DB_LONG_STATEMENT_TIMEOUT_MS',
        120_000,
        1_000,
        3_600_000,
      ),
      maxWaiting: integer(env, 'DB_MAX_WAITING', 500, 0, 100_000),
    },
    eventRetentionHours: integer(env, 'EVENT_RETENTION_HOURS', 168, 24, 24 * 365),
    webhooks: {
      allowPrivate: boolean(env, 'WEBHOOK_ALLOW_PRIVATE', true),
      allowedHosts: (text(env, 'WEBHOOK_ALLOWED_HOSTS') ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
      concurrency: integer(env, 'WEBHOOK_CONCURRENCY', 64, 1, 1024),
      perWebhook: integer(env, 'WEBHOOK_CONCURRENCY_PER_WEBHOOK', 16, 1, 1024),
      pollMs: integer(env, 'WEBHOOK_POLL_MS', 2_000, 50, 600_000),
      timeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      leaseMs: integer(env, 'WEBHOOK_LEASE_MS', 5_000, 300, 600_000),
    },
    metrics: { token: text(env, 'METRICS_TOKEN') },
    rooms: {
      enabled: boolean(env, 'ROOM_MONITOR_ENABLED', true),
      ecastBaseUrl: httpUrl(env, 'ECAST_BASE_URL', 'https://ecast.jackboxgames.com'),
      role: roomRole(env),
      probeIntervalMs: integer(env, 'ROOM_PROBE_INTERVAL_MS', 20_000, 0, 3_600_000),
      statusIntervalMs: integer(env, 'ROOM_STATUS_INTERVAL_MS', 20_000, 100, 3_600_000),
      max: integer(env, 'ROOM_MONITOR_MAX', 50, 0, 10_000),
      leaseMs: integer(env, 'ROOM_LEASE_MS', 15_000, 300, 600_000),
    },
  };
  if (config.database.longStatementTimeoutMs < config.database.statementTimeoutMs) {
    throw new ConfigError(
      'DB_LONG_STATEMENT_TIMEOUT_MS',
      'must be at least DB_STATEMENT_TIMEOUT_MS',
    );
  }
  const metricsToken = config.metrics.token;
  if (metricsToken !== undefined && metricsToken.length < MIN_METRICS_TOKEN_LENGTH) {
    throw new ConfigError(
      'METRICS_TOKEN',
      `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters long`,
    );
  }
  const jwtProblem =
    config.jwtSecret === undefined
      ? undefined
      : unsafeSecret(config.jwtSecret, MIN_JWT_SECRET_LENGTH);
  if (jwtProblem) throw new ConfigError('JWT_SECRET', jwtProblem);
  // Against an external database the server may be one of several instances: generated
  // secrets would differ between them, so they must come from the environment.
  if (config.databaseUrl !== undefined) {
    if (config.admins.length === 0) {
      throw new ConfigError(
        'ADMIN_KEY',
        'is required when DATABASE_URL is set (or set ADMIN_CONFIG_PATH)',
      );
    }
    if (config.jwtSecret === undefined) {
      throw new ConfigError(
        'JWT_SECRET',
        `is required when DATABASE_URL is set (at least ${MIN_JWT_SECRET_LENGTH} characters)`,
      );
    }
  }
  if (config.live.presenceTimeoutMs <= config.live.heartbeatMs) {
    throw new ConfigError(
      'PRESENCE_TIMEOUT_MS',
      `must be more than WS_HEARTBEAT_MS (${config.live.heartbeatMs}), or healthy admins would lapse between pings`,
    );
  }
  return config;
}

/** The configuration the app runs with, once the database and secrets are settled. */
export type RuntimeConfig = AppConfig & { databaseUrl: string; jwtSecret: string };
