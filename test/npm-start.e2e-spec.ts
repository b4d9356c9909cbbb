import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitUntil } from './support/factories';
import { freePort } from './support/global-setup';
import { spawnNpmStart, waitForHealthy, type ServerProcess } from './support/process';

jest.setTimeout(90_000);

const README = readFileSync(path.resolve(__dirname, '..', 'README.md'), 'utf8');

interface LogLine {
  level: string;
  time: string;
  msg: string;
  context?: string;
  url?: string;
}

/** npm's own lines around the server's: its script headers, blanks, the build notice. */
const isNpmLine = (line: string) =>
  line === '' || line.startsWith('> ') || line.startsWith('Building (dist/');

function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => !isNpmLine(line))
    .map((line) => JSON.parse(line) as LogLine);
}

/** The JSON lines of the README's quick-start sample. */
function readmeSample(): LogLine[] {
  const section = README.slice(README.indexOf('## Quick start'));
  const block = /```\n(> jackbox-game-picker-api[\s\S]*?)```/.exec(section)?.[1] ?? '';
  return logLines(block);
}

/** Whether a process is gone (a zombie waiting for its parent counts as gone). */
function gone(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  try {
    return readFileSync(stat, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    // pgrep exits 1 when there are none
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('npm start, as the quick start runs it (no DATABASE_URL)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jbx-npm-start-'));
  chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as the postgres user when we are root
  let env: Record<string, string>;
  let baseUrl: string;
  let npm: ServerProcess;

  beforeAll(async () => {
    const port = await freePort();
    env = { DATA_DIR: dataDir, PORT: String(port), EMBEDDED_DB_PORT: String(await freePort()) };
    baseUrl = `http://127.0.0.1:${port}`;
    npm = spawnNpmStart(env);
    await waitForHealthy(baseUrl, npm, 60_000);
    await waitUntil(() => npm.output().includes('Admin key'));
  });
  afterAll(async () => {
    // Whatever a failed test left running: every process npm started, not only npm.
    if (npm.child.exitCode !== null) return;
    const left = descendants(npm.child.pid!);
    npm.child.kill('SIGKILL');
    await npm.exited;
    for (const pid of left.filter((p) => !gone(p))) process.kill(pid, 'SIGKILL');
  });

  it('prints one JSON line per entry, the ones the README shows, the banner after listening', () => {
    const lines = logLines(npm.output());
    for (const line of lines) {
      expect(line).toEqual(
        expect.objectContaining({ level: expect.any(String), time: expect.any(String) }),
      );
    }
    // Start-up at info: what the README shows, in its order, the key last.
    const sample = readmeSample();
    expect(sample.length).toBeGreaterThanOrEqual(4);
    const startup = lines.slice(0, sample.length);
    const { adminKey } = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as {
      adminKey: string;
    };
    const expected = sample.map((line) => {
      const pattern = line.msg
        .replaceAll('/path/to/data', dataDir)
        .replaceAll('localhost:5000', `localhost:${env.PORT}`)
        .replace('127.0.0.1:54329', `127.0.0.1:${env.EMBEDDED_DB_PORT}`)
        .split('...')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')
        .replace('<32 random characters>', '[\\w-]{32}');
      return { level: line.level, context: line.context, msg: new RegExp(`^${pattern}$`) };
    });
    expect(startup.map(({ level, context, msg }) => ({ level, context, msg }))).toEqual(
      expected.map((e) => ({ ...e, msg: expect.stringMatching(e.msg) })),
    );
    const listening = startup.findIndex((l) => l.msg.startsWith('API listening on'));
    expect(listening).toBe(sample.length - 2);
    expect(startup.at(-1)?.msg).toMatch(new RegExp(`: ${adminKey}$`));
  });

  it('logs a health check at debug: no line at info', async () => {
    expect((await fetch(`${baseUrl}/health`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/api/games`)).status).toBe(200);
    // Lines are written in order: once the games request's line is out, the health one would be.
    await waitUntil(() => logLines(npm.output()).some((l) => l.url === '/api/games'));
    expect(logLines(npm.output()).filter((l) => l.url?.includes('health'))).toEqual([]);
  });

  it('stops the server and the embedded PostgreSQL on SIGTERM to npm', async () => {
    const npmPid = npm.child.pid!;
    const processes = descendants(npmPid);
    const postmaster = Number(
      readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    expect(processes).toContain(postmaster);
    expect(processes.length).toBeGreaterThan(2); // the server, the postmaster, its workers
    npm.child.kill('SIGTERM');
    await npm.exited;
    await waitUntil(() => processes.every(gone));
    expect(await portRefuses(Number(env.PORT))).toBe(true);
    expect(await portRefuses(Number(env.EMBEDDED_DB_PORT))).toBe(true);
    expect(npm.output()).toContain('shut down cleanly');
  });

  it('on a later start, says where the admin key is without printing it', async () => {
    const again = spawnNpmStart(env);
    try {
      await waitForHealthy(baseUrl, again, 60_000);
      await waitUntil(() => again.output().includes('Admin key'));
      const { adminKey } = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as {
        adminKey: string;
      };
      expect(again.output()).not.toContain(adminKey);
      expect(logLines(again.output()).at(-1)?.msg).toBe(
        `Admin key: the one generated on the first start, kept in ${path.join(dataDir, 'secrets.json')}`,
      );
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  });
});
