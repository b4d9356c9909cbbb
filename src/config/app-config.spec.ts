import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from './app-config';

const SECRET = 'x'.repeat(32);
const external = {
  DATABASE_URL: 'postgres://u:p@db:5432/jackbox',
  ADMIN_KEY: 'admin-key-0123456789',
  JWT_SECRET: SECRET,
};

function errorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('needs nothing at all for a zero-config start', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 5000,
      host: '0.0.0.0',
      jwtExpiresIn: '24h',
      logLevel: 'info',
      admins: [],
      corsOrigins: [],
      http: { requestTimeoutMs: 10_000 },
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('data'));
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ JWT_EXPIRES_IN: 'forever' }, 'JWT_EXPIRES_IN'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ CORS_ORIGINS: 'example.com' }, 'CORS_ORIGINS'],
    [{ ADMIN_KEY: 'short' }, 'ADMIN_KEY'],
    [{ ADMIN_KEY: 'x'.repeat(15) }, 'ADMIN_KEY'],
    [{ ADMIN_KEY: 'change-me-to-a-long-random-key' }, 'ADMIN_KEY'],
    [{ JWT_SECRET: 'x'.repeat(31) }, 'JWT_SECRET'],
    [{ JWT_SECRET: 'change-me-to-at-least-32-random-characters-please' }, 'JWT_SECRET'],
    [{ ADMIN_CONFIG_PATH: '/no/such/admins.json' }, 'ADMIN_CONFIG_PATH'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY'],
    [{ HTTP_REQUEST_TIMEOUT_MS: '50' }, 'HTTP_REQUEST_TIMEOUT_MS'],
    [{ DB_STATEMENT_TIMEOUT_MS: '0' }, 'DB_STATEMENT_TIMEOUT_MS'],
    [{ DB_MAX_WAITING: '-1' }, 'DB_MAX_WAITING'],
    [
      { DB_STATEMENT_TIMEOUT_MS: '60000', DB_LONG_STATEMENT_TIMEOUT_MS: '30000' },
      'DB_LONG_STATEMENT_TIMEOUT_MS',
    ],
    [{ METRICS_TOKEN: 'too-short' }, 'METRICS_TOKEN'],
  ])('refuses %j naming %s', (env, variable) => {
    const error = errorFor(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).not.toContain('\n');
  });

  it('bounds every database wait by default', () => {
    expect(loadConfig({}).database).toEqual({
      poolSize: 10,
      votePoolSize: 8,
      connectionTimeoutMs: 5_000,
      statementTimeoutMs: 5_000,
      longStatementTimeoutMs: 120_000,
      maxWaiting: 500,
    });
  });

  it('watches rooms on the real ecast service by default', () => {
    expect(loadConfig({}).rooms).toEqual({
      enabled: true,
      ecastBaseUrl: 'https://ecast.jackboxgames.com',
      role: 'shard',
      probeIntervalMs: 20_000,
      statusIntervalMs: 20_000,
      max: 50,
      leaseMs: 15_000,
    });
    const custom = loadConfig({
      ECAST_BASE_URL: 'http://127.0.0.1:8080/',
      ROOM_MONITOR_ENABLED: 'false',
      ROOM_MONITOR_ROLE: 'audience',
      ROOM_PROBE_INTERVAL_MS: '0',
      ROOM_MONITOR_MAX: '3',
    }).rooms;
    expect(custom).toMatchObject({
      enabled: false,
      ecastBaseUrl: 'http://127.0.0.1:8080',
      role: 'audience',
      probeIntervalMs: 0,
      max: 3,
    });
  });

  it.each([
    [{ ECAST_BASE_URL: 'ftp://ecast.example.com' }, 'ECAST_BASE_URL'],
    [{ ECAST_BASE_URL: 'not a url' }, 'ECAST_BASE_URL'],
    [{ ROOM_MONITOR_ROLE: 'player' }, 'ROOM_MONITOR_ROLE'],
    [{ ROOM_MONITOR_ENABLED: 'maybe' }, 'ROOM_MONITOR_ENABLED'],
    [{ ROOM_STATUS_INTERVAL_MS: '5' }, 'ROOM_STATUS_INTERVAL_MS'],
  ])('refuses room settings %j', (env, variable) => {
    expect(errorFor(env).variable).toBe(variable);
  });

  it('keeps admins present for 45 s after they were last heard from, and longer than the heartbeat', () => {
    expect(loadConfig({}).live.presenceTimeoutMs).toBe(45_000);
    expect(loadConfig({ PRESENCE_TIMEOUT_MS: '500', WS_HEARTBEAT_MS: '200' }).live).toMatchObject({
      presenceTimeoutMs: 500,
      heartbeatMs: 200,
    });
    // Only the heartbeat set, and long: presence follows it rather than lapsing between pings.
    expect(loadConfig({ WS_HEARTBEAT_MS: '60000' }).live.presenceTimeoutMs).toBe(90_000);
    expect(errorFor({ PRESENCE_TIMEOUT_MS: '20000' }).variable).toBe('PRESENCE_TIMEOUT_MS');
    expect(errorFor({ PRESENCE_TIMEOUT_MS: '50' }).variable).toBe('PRESENCE_TIMEOUT_MS');
  });

  it('refuses an external database without an admin key', () => {
    expect(errorFor({ DATABASE_URL: external.DATABASE_URL, JWT_SECRET: SECRET }).variable).toBe(
      'ADMIN_KEY',
    );
  });

  it('refuses an external database without a JWT secret', () => {
    expect(
      errorFor({ DATABASE_URL: external.DATABASE_URL, ADMIN_KEY: 'admin-key-0123456789' }).variable,
    ).toBe('JWT_SECRET');
  });

  it('accepts a complete external configuration', () => {
    const config = loadConfig({
      ...external,
      PORT: '8080',
      CORS_ORIGINS: 'http://localhost:3000, https://overlay.example',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: external.DATABASE_URL,
      admins: [{ name: 'Admin', key: 'admin-key-0123456789' }],
      corsOrigins: ['http://localhost:3000', 'https://overlay.example'],
    });
  });

  describe('ADMIN_CONFIG_PATH', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jbx-admins-'));
    const file = (name: string, content: string) => {
      const p = path.join(dir, name);
      writeFileSync(p, content);
      return p;
    };

    it('loads named admins and adds ADMIN_KEY as "Admin"', () => {
      const p = file(
        'ok.json',
        JSON.stringify([
          { name: 'Alice', key: 'alice-key-0123456789' },
          { name: 'Bob', key: 'bob-key-0123456789' },
        ]),
      );
      expect(
        loadConfig({ ADMIN_CONFIG_PATH: p, ADMIN_KEY: 'admin-key-0123456789' }).admins,
      ).toEqual([
        { name: 'Alice', key: 'alice-key-0123456789' },
        { name: 'Bob', key: 'bob-key-0123456789' },
        { name: 'Admin', key: 'admin-key-0123456789' },
      ]);
    });

    it.each([
      ['bad.json', '{not json'],
      ['shape.json', '{"name": "x"}'],
      [
        'dupe.json',
        JSON.stringify([
          { name: 'A', key: 'same-key-0123456789' },
          { name: 'B', key: 'same-key-0123456789' },
        ]),
      ],
      ['short-key.json', JSON.stringify([{ name: 'A', key: 'x'.repeat(15) }])],
      ['example-key.json', JSON.stringify([{ name: 'A', key: 'change-me-to-a-long-random-key' }])],
    ])('refuses %s', (name, content) => {
      expect(errorFor({ ADMIN_CONFIG_PATH: file(name, content) }).variable).toBe(
        'ADMIN_CONFIG_PATH',
      );
    });
  });
});
