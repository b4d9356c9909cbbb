import WebSocket from 'ws';

export interface TestSocket {
  socket: WebSocket;
  messages: any[];
  /**
   * Resolves with the first message (already received or next) that matches. The timeout
   * (15 s unless given) only turns a hang into a failure naming what did arrive, before Jest's
   * 30 s limit; it is generous because CI machines are shared and slow.
   */
  next(match: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  send(message: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
}

/** A real `ws` client that records every message. */
export function openSocket(
  baseUrl: string,
  options: WebSocket.ClientOptions = {},
): Promise<TestSocket> {
  const socket = new WebSocket(baseUrl.replace(/^http/, 'ws') + '/api/sessions/live', options);
  const messages: any[] = [];
  const waiters: { match: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  socket.on('message', (data: WebSocket.RawData) => {
    const message = JSON.parse((data as Buffer).toString());
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const client: TestSocket = {
    socket,
    messages,
    closed,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next: (match, timeoutMs = 15_000) => {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('error', reject);
  });
}

/** Opens a socket and authenticates it. */
export async function authedSocket(
  baseUrl: string,
  token: string,
  options?: WebSocket.ClientOptions,
): Promise<TestSocket> {
  const client = await openSocket(baseUrl, options);
  client.send({ type: 'auth', token });
  await client.next((m) => m.type === 'auth_success');
  return client;
}

export const ofType = (type: string) => (m: any) => m.type === type;
