import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { migrateDatabase } from '../../src/database/migrate';
import { ADMIN_URL_ENV, adminQuery, TEMPLATE_ENV, TEST_DB_PREFIX, withDatabase } from './database';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function reachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Finds the PostgreSQL the tests run on: TEST_DATABASE_URL (default the local server on
 * 5432), or, when none answers, an embedded one started for this run. Then migrates one
 * template database that every test file copies.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_URL;
  if (!(await reachable(adminUrl))) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jbx-test-pg-'));
    chmodSync(dir, 0o755); // PostgreSQL runs as the postgres user when we are root
    const embedded = new EmbeddedPostgres(dir, await freePort(), randomBytes(12).toString('hex'));
    const url = await embedded.start();
    adminUrl = withDatabase(url, 'postgres');
    (globalThis as { embeddedPostgres?: EmbeddedPostgres }).embeddedPostgres = embedded;
    process.stdout.write(
      `\nNo PostgreSQL at ${process.env.TEST_DATABASE_URL ?? DEFAULT_URL}: using an embedded one\n`,
    );
  }
  process.env[ADMIN_URL_ENV] = adminUrl;
  const template = `${TEST_DB_PREFIX}template_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${template}`);
  await migrateDatabase(withDatabase(adminUrl, template));
  process.env[TEMPLATE_ENV] = template;
}
