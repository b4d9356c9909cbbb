import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const BOT = path.resolve(__dirname, '..', '..', 'examples', 'bot', 'main.mjs');

/** The reference bot (examples/bot) running as its own process, as its README runs it. */
export interface BotProcess {
  child: ChildProcessWithoutNullStreams;
  /** What it posted to chat (stdout), line by line. */
  chat: string[];
  /** Its log (stderr), line by line, without the `[bot] ` prefix. */
  log: string[];
  /** Types a chat line on its stdin. */
  type(line: string): void;
  /** Resolves with the first chat line that matches, once one does. */
  said(match: RegExp): Promise<string>;
  /** Resolves with the first log line that matches, once one does. */
  logged(match: RegExp): Promise<RegExpExecArray>;
  /** The log lines that match, as they stand. */
  logLines(match: RegExp): RegExpExecArray[];
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
}

/** How long a wait may last: a safety net, never what a test waits on. */
const SAFETY_MS = 20_000;

export function startBotProcess(env: Record<string, string>): BotProcess {
  const child = spawn(process.execPath, [BOT], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const chat: string[] = [];
  const log: string[] = [];
  const lines = (into: string[], strip: string) => {
    let rest = '';
    return (chunk: Buffer) => {
      rest += chunk.toString();
      const parts = rest.split('\n');
      rest = parts.pop()!;
      for (const line of parts) into.push(line.startsWith(strip) ? line.slice(strip.length) : line);
    };
  };
  child.stdout.on('data', lines(chat, ''));
  child.stderr.on('data', lines(log, '[bot] '));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );

  async function waitFor<T>(find: () => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + SAFETY_MS;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`${what} never came; chat:\n${chat.join('\n')}\nlog:\n${log.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const matches = (match: RegExp) =>
    log.map((line) => match.exec(line)).filter((m): m is RegExpExecArray => m !== null);

  return {
    child,
    chat,
    log,
    type: (line) => child.stdin.write(`${line}\n`),
    said: (match) => waitFor(() => chat.find((line) => match.test(line)), `chat ${match}`),
    logged: (match) => waitFor(() => matches(match)[0], `log ${match}`),
    logLines: matches,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * A TCP proxy in front of the API, so a test can cut the network between the bot and the
 * server: `drop()` destroys every connection and refuses new ones until `restore()`;
 * `refuse()` only refuses new ones; `retarget()` sends new ones to another server.
 */
export interface Proxy {
  url: string;
  drop(): void;
  refuse(): void;
  restore(): void;
  retarget(target: string): void;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<Proxy> {
  let { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let blocked = false;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((client) => {
    if (blocked) return void client.destroy();
    const toServer = net.connect(Number(port), hostname);
    track(client);
    track(toServer);
    client.pipe(toServer).pipe(client);
    client.on('close', () => toServer.destroy());
    toServer.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    drop: () => {
      blocked = true;
      sockets.forEach((socket) => socket.destroy());
    },
    refuse: () => {
      blocked = true;
    },
    restore: () => {
      blocked = false;
    },
    retarget: (to) => {
      ({ hostname, port } = new URL(to));
    },
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
