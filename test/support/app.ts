import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RuntimeConfig } from '../../src/config/app-config';
import { migrateDatabase } from '../../src/database/migrate';
import { createServer } from '../../src/server';
import { createTestDatabase, type TestDatabase } from './database';

export const ADMIN_KEY = 'test-admin-key-0123456789';
/** Webhook settings for tests: quick polls, short timeouts and leases. */
export const TEST_WEBHOOK_SETTINGS: RuntimeConfig['webhooks'] = {
  allowPrivate: true,
  allowedHosts: [],
  concurrency: 8,
  perWebhook: 4,
  pollMs: 200,
  timeoutMs: 2_000,
  leaseMs: 5_000,
};
export const JWT_SECRET = 'test-jwt-secret-0123456789-0123456789-abcdef';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as-is, for malformed or oversized bodies. */
  rawBody?: string;
  token?: string;
  headers?: Record<string, string>;
}

export interface TestApp {
  app: NestFastifyApplication;
  url: string;
  database: TestDatabase;
  config: RuntimeConfig;
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  /** A fresh admin token. */
  login(): Promise<string>;
  close(): Promise<void>;
}

export function testConfig(
  databaseUrl: string,
  overrides: Partial<RuntimeConfig> = {},
): RuntimeConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    databaseUrl,
    dataDir: '/nonexistent',
    embeddedDbPort: 0,
    admins: [{ name: 'Admin', key: ADMIN_KEY }],
    jwtSecret: JWT_SECRET,
    jwtExpiresIn: '24h',
    logLevel: (process.env.TEST_LOG_LEVEL as RuntimeConfig['logLevel']) ?? 'silent',
    corsOrigins: [],
    trustProxy: false,
    http: { requestTimeoutMs: 10_000 },
    loginRateLimit: { limit: 1000, windowSeconds: 60 },
    live: {
      authTimeoutMs: 10_000,
      heartbeatMs: 30_000,
      messagesPer10s: 100,
      maxBufferedBytes: 1024 * 1024,
      presenceTimeoutMs: 45_000,
    },
    database: {
      poolSize: 10,
      votePoolSize: 4,
      connectionTimeoutMs: 5_000,
      statementTimeoutMs: 5_000,
      longStatementTimeoutMs: 120_000,
      maxWaiting: 500,
    },
    eventRetentionHours: 168,
    webhooks: TEST_WEBHOOK_SETTINGS,
    metrics: {},
    // Off unless a test turns it on with a fake ecast server's address.
    rooms: {
      enabled: false,
      ecastBaseUrl: 'http://127.0.0.1:9',
      role: 'shard',
      probeIntervalMs: 0,
      statusIntervalMs: 20_000,
      max: 10,
      leaseMs: 15_000,
    },
    ...overrides,
  };
}

export async function request<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(baseUrl + path, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: leave the text
  }
  return { status: response.status, body: parsed as T, text, headers: response.headers };
}

/** Boots the whole app, as main.ts does, on a fresh database and a random port. */
export async function startTestApp(
  overrides: Partial<RuntimeConfig> = {},
  /** Another app's database, to run a second instance on it (the first one drops it). */
  shared?: TestDatabase,
): Promise<TestApp> {
  const database = shared ?? (await createTestDatabase());
  const config = testConfig(database.url, overrides);
  await migrateDatabase(config.databaseUrl);
  const app = await createServer(config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const testApp: TestApp = {
    app,
    url,
    database,
    config,
    request: (method, path, options) => request(url, method, path, options),
    login: async () => {
      const res = await request<{ token: string }>(url, 'POST', '/api/auth/login', {
        body: { apiKey: ADMIN_KEY },
      });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
      return res.body.token;
    },
    close: async () => {
      await app.close();
      if (!shared) await database.drop();
    },
  };
  return testApp;
}
