import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { ADMIN_KEY, JWT_SECRET, request } from './support/app';
import { ADMIN_URL_ENV, adminQuery, withDatabase } from './support/database';
import { waitUntil } from './support/factories';
import { freePort } from './support/global-setup';
import { spawnServer, waitForHealthy, type ServerProcess } from './support/process';

jest.setTimeout(60_000);

/**
 * Sends a login whose body arrives in two parts, so the request is in flight in between. It
 * asks for 100 Continue, which the server sends once it has parsed the headers: `accepted`
 * resolves when the server is handling the request.
 */
function slowLogin(port: number): {
  accepted: Promise<void>;
  sendRest(): void;
  response: Promise<{ status: number; body: string }>;
} {
  const body = JSON.stringify({ apiKey: ADMIN_KEY });
  const req = http.request({
    host: '127.0.0.1',
    port,
    path: '/api/auth/login',
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      expect: '100-continue',
    },
  });
  const accepted = new Promise<void>((resolve) => req.once('continue', () => resolve()));
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 5));
  return { accepted, sendRest: () => req.end(body.slice(5)), response };
}

describe('start-up on an external PostgreSQL (DATABASE_URL)', () => {
  const database = `jbx_test_startup_${process.pid}`;
  let server: ServerProcess;
  let port: number;

  beforeAll(async () => {
    await adminQuery(`CREATE DATABASE ${database}`); // empty: start-up must migrate it
    port = await freePort();
    server = spawnServer({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: withDatabase(process.env[ADMIN_URL_ENV]!, database),
      ADMIN_KEY,
      JWT_SECRET,
    });
    await waitForHealthy(`http://127.0.0.1:${port}`, server);
  });
  afterAll(async () => {
    server.child.kill('SIGKILL');
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('runs the migrations and says which database it uses, without its password', async () => {
    const client = new Client({
      connectionString: withDatabase(process.env[ADMIN_URL_ENV]!, database),
    });
    await client.connect();
    const { rows } = await client.query("SELECT to_regclass('public.events') AS events");
    await client.end();
    expect(rows[0].events).toBe('events');
    expect(server.output()).toMatch(new RegExp(`Using PostgreSQL at [^ ]+/${database}`));
    const password = new URL(process.env[ADMIN_URL_ENV]!).password;
    if (password) expect(server.output()).not.toContain(password);
    expect(server.output()).not.toContain(ADMIN_KEY);
  });

  it('on SIGTERM finishes the request in flight, then exits 0 within 10 s', async () => {
    const login = slowLogin(port);
    await login.accepted;
    server.child.kill('SIGTERM');
    await waitUntil(() => server.output().includes('SIGTERM received'));
    login.sendRest();
    const response = await login.response;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).token).toEqual(expect.any(String));
    // Exit code 0 is the clean path; the server's own 10 s deadline would exit with 1.
    expect(await server.exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });
});

describe('zero-config start on the embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jbx-embedded-'));
  chmodSync(dataDir, 0o755);
  let env: Record<string, string>;

  beforeAll(async () => {
    env = {
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      EMBEDDED_DB_PORT: String(await freePort()),
    };
  });

  async function startAndLogin(): Promise<{ server: ServerProcess; key: string }> {
    const server = spawnServer(env);
    const baseUrl = `http://127.0.0.1:${env.PORT}`;
    await waitForHealthy(baseUrl, server, 45_000);
    const { adminKey } = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as {
      adminKey: string;
    };
    expect(server.output()).toContain('Using embedded PostgreSQL');
    const login = await request(baseUrl, 'POST', '/api/auth/login', { body: { apiKey: adminKey } });
    expect(login.status).toBe(200);
    return { server, key: adminKey };
  }

  it('generates an admin key once, prints it on that start only, and keeps it across restarts', async () => {
    const first = await startAndLogin();
    expect(first.server.output()).toContain(first.key);
    first.server.child.kill('SIGTERM');
    expect(await first.server.exited).toBe(0);
    expect(first.server.output()).toContain('shut down cleanly');

    const second = await startAndLogin();
    expect(second.key).toBe(first.key);
    expect(second.server.output()).not.toContain(second.key);
    second.server.child.kill('SIGTERM');
    expect(await second.server.exited).toBe(0);
  });
});

describe('bad configuration', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ DATABASE_URL: 'postgres://u@127.0.0.1:5432/x', JWT_SECRET }, 'ADMIN_KEY'],
    [
      { DATABASE_URL: 'postgres://u@127.0.0.1:5432/x', ADMIN_KEY, JWT_SECRET: 'too-short' },
      'JWT_SECRET',
    ],
    [
      {
        DATABASE_URL: 'postgres://u@127.0.0.1:5432/x',
        ADMIN_KEY: 'change-me-to-a-long-random-key',
        JWT_SECRET,
      },
      'ADMIN_KEY',
    ],
    [
      {
        DATABASE_URL: 'postgres://u@127.0.0.1:5432/x',
        ADMIN_KEY,
        JWT_SECRET: 'change-me-to-at-least-32-random-characters-please',
      },
      'JWT_SECRET',
    ],
  ])('%j stops start-up with one line naming %s', async (env, variable) => {
    const server = spawnServer(env);
    expect(await server.exited).toBe(1);
    const lines = server.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'fatal',
      msg: expect.stringMatching(new RegExp(`^Invalid configuration: ${variable} `)),
    });
  });
});
