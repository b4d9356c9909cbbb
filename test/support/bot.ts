import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { request } from './app';
import { ofType, openSocket, type TestSocket } from './ws';

/**
 * A chat bot as an integrator writes one against the live API: it connects, authenticates,
 * asks the REST API which session is active, subscribes to it, and announces each game added.
 * When the server closes the socket it connects again and does it all over. It reconnects at
 * once (a real bot would back off) so the tests never wait on a timer.
 */
export interface LiveBot {
  /** One socket per connection, oldest first; every frame each one received is recorded. */
  connections: TestSocket[];
  /** What the bot would post to its chat, in order. */
  announcements: string[];
  /** Resolves with the n-th connection (1-based) once it has authenticated and subscribed. */
  connected(n: number): Promise<TestSocket>;
  stop(): void;
}

export function startBot(apiUrl: string, token: string): LiveBot {
  const connections: TestSocket[] = [];
  const announcements: string[] = [];
  const ready: Promise<TestSocket>[] = [];
  const waiters: ((value: void) => void)[] = [];
  let stopped = false;

  async function connect(): Promise<TestSocket> {
    const socket = await openSocket(apiUrl);
    connections.push(socket);
    socket.socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'game.added') {
        announcements.push(`Next up: ${message.data.game.title} (${message.data.game.pack_name})`);
      }
    });
    void socket.closed.then(() => {
      if (!stopped) ready.push(connect());
      waiters.splice(0).forEach((wake) => wake());
    });
    socket.send({ type: 'auth', token });
    await socket.next(ofType('auth_success'));
    // The bot learns the session to follow from the REST API, not from the socket.
    const active = await request(apiUrl, 'GET', '/api/sessions/active', { token });
    if (active.status === 200 && active.body.id) {
      socket.send({ type: 'subscribe', sessionId: active.body.id });
      await socket.next(ofType('subscribed'));
    }
    return socket;
  }

  ready.push(connect());
  return {
    connections,
    announcements,
    connected: async (n) => {
      while (ready.length < n) await new Promise<void>((wake) => waiters.push(wake));
      return ready[n - 1];
    },
    stop: () => {
      stopped = true;
      connections.forEach((s) => s.socket.terminate());
    },
  };
}

/**
 * How a bot checks a delivery: `X-Webhook-Signature` is `sha256=` and the hex HMAC-SHA256 of
 * the raw body under the shared secret, compared in constant time.
 */
export function signatureIsValid(
  header: string | string[] | undefined,
  rawBody: string,
  secret: string,
): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(
    'sha256=' + createHmac('sha256', secret).update(rawBody).digest('hex'),
  );
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface BotReceiver {
  url: string;
  /** What the bot announced for each verified delivery. */
  announcements: string[];
  /** Status codes it answered, in order. */
  answers: number[];
  waitForAnswers(count: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A bot's webhook endpoint on plain node:http: it reads the raw body, answers 401 unless the
 * signature verifies, announces game.added, and answers 200 to everything it accepted.
 */
export async function startBotReceiver(secret: string): Promise<BotReceiver> {
  const announcements: string[] = [];
  const answers: number[] = [];
  const answer = (res: http.ServerResponse, status: number, text: string) => {
    answers.push(status);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (!signatureIsValid(req.headers['x-webhook-signature'], raw, secret)) {
        return answer(res, 401, 'bad signature');
      }
      const delivery = JSON.parse(raw);
      if (delivery.event === 'game.added') {
        announcements.push(
          `Next up: ${delivery.data.game.title} (${delivery.data.game.pack_name})`,
        );
      }
      answer(res, 200, 'OK');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    announcements,
    answers,
    waitForAnswers: async (count) => {
      const deadline = Date.now() + 15_000; // a safety net only: the answers are what we wait on
      while (answers.length < count) {
        if (Date.now() > deadline) throw new Error(`${answers.length} of ${count} answers`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
