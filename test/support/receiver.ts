import http from 'node:http';

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (the connection stays open until the client gives up). */
  hang?: boolean;
  /** Answer only once this settles (the test decides when). */
  after?: Promise<void>;
}

/** A real local HTTP receiver that records every request and answers as told. */
export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** How to answer the n-th request (0-based); default 200 "OK". */
  reply: (request: ReceivedRequest, n: number) => Reply;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const sockets = new Set<import('node:net').Socket>();
  const receiver = { requests: [] as ReceivedRequest[], reply: () => ({}) } as unknown as Receiver;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const request: ReceivedRequest = {
        path: req.url ?? '',
        headers: req.headers,
        body,
        at: Date.now(),
      };
      const n = receiver.requests.push(request) - 1;
      const reply = receiver.reply(request, n);
      if (reply.hang) return;
      const answer = () => {
        res.writeHead(reply.status ?? 200, reply.headers ?? {});
        res.end(reply.body ?? 'OK');
      };
      if (reply.after) void reply.after.then(answer);
      else answer();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.port = (server.address() as { port: number }).port;
  receiver.url = `http://127.0.0.1:${receiver.port}`;
  receiver.waitFor = async (count, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (receiver.requests.length < count) {
      if (Date.now() > deadline) {
        throw new Error(`receiver got ${receiver.requests.length} of ${count} requests`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return receiver.requests;
  };
  receiver.close = () =>
    new Promise<void>((resolve) => {
      sockets.forEach((s) => s.destroy());
      server.close(() => resolve());
    });
  return receiver;
}
