import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawConnection {
  socket: Socket;
  /** Sends bytes as they are: half a request, a request in pieces, several in a row. */
  write(text: string): void;
  /** The next whole response on the connection. */
  response(): Promise<RawResponse>;
  /** Resolves once the server has closed the connection. */
  closed: Promise<void>;
}

const open = new Set<Socket>();

/** Drops every connection a test left open, so a failed test cannot hold the server's close. */
export function destroyRawConnections(): void {
  for (const socket of open) socket.destroy();
  open.clear();
}

/**
 * A bare TCP connection to the server, for what `fetch` cannot do: stop halfway through a
 * request, announce a body it never sends, keep one connection across requests.
 */
export async function rawConnection(baseUrl: string): Promise<RawConnection> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  open.add(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffer = Buffer.alloc(0);
  let wake: () => void = () => undefined;
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    wake();
  });
  // A reset after the server's answer is part of what some tests provoke.
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      open.delete(socket);
      resolve();
    }),
  );
  void closed.then(() => wake());

  /** One whole response from the front of the buffer, when it has arrived. */
  const take = (): RawResponse | undefined => {
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (buffer.length < end + 4 + length) return undefined;
    const body = buffer.subarray(end + 4, end + 4 + length).toString('utf8');
    buffer = buffer.subarray(end + 4 + length);
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  };

  return {
    socket,
    closed,
    write: (text) => socket.write(text),
    response: async () => {
      for (;;) {
        const response = take();
        if (response) return response;
        if (socket.destroyed) throw new Error('connection closed before a whole response');
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}
