import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { migrateDatabase } from '../../src/database/migrate';
import { freePort } from './global-setup';

/**
 * A PostgreSQL server of one test file's own, which the file may stop, start, freeze and thaw
 * without touching the server every other test runs on. Its database is migrated once.
 */
export interface OwnPostgres {
  /** The migrated database. */
  url: string;
  port: number;
  /** A fast shutdown: open connections are terminated, as in a restart. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and every process of it (SIGSTOP): connections stay open, nothing answers. */
  freeze(): void;
  thaw(): void;
  /** Runs one statement on a connection of its own. */
  query<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Thaws, stops and deletes the server and its files. */
  remove(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jbx-own-pg-'));
  chmodSync(dir, 0o755); // PostgreSQL runs as the postgres user when we are root
  const port = await freePort();
  const server = new EmbeddedPostgres(dir, port, randomBytes(12).toString('hex'));
  const url = await server.start();
  await migrateDatabase(url);
  let frozen: number[] = [];

  /** The postmaster (from its pid file) and its children: backends and auxiliary processes. */
  const processes = (): number[] => {
    const postmaster = Number(
      readFileSync(path.join(dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    let children: number[] = [];
    try {
      children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map(Number);
    } catch {
      // pgrep exits 1 when there are none
    }
    return [postmaster, ...children];
  };
  const signal = (pids: number[], name: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, name);
      } catch {
        // it exited meanwhile
      }
    }
  };
  const thaw = () => {
    signal(frozen, 'SIGCONT');
    frozen = [];
  };

  return {
    url,
    port,
    stop: () => server.stop(),
    start: async () => {
      await server.start();
    },
    freeze: () => {
      // The postmaster first, so it forks nothing new while its children are being stopped.
      const [postmaster] = processes();
      signal([postmaster], 'SIGSTOP');
      frozen = processes();
      signal(frozen, 'SIGSTOP');
    },
    thaw,
    query: async (sql, params = []) => {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
    remove: async () => {
      thaw();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
