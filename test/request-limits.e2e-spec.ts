import { startTestApp, type TestApp } from './support/app';
import { destroyRawConnections, rawConnection } from './support/raw-http';
import { authedSocket, ofType } from './support/ws';

const TEN_MB = 10 * 1024 * 1024;

/** The head of a JSON request announcing a body of `length` bytes. */
const head = (method: string, path: string, length: number, extra = '') =>
  `${method} ${path} HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${length}\r\n${extra}\r\n`;

describe('bodies are read only when they will be used', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterEach(destroyRawConnections);
  afterAll(() => t.close());

  it.each([
    ['no token', '', 'Access token required'],
    ['a bad token', 'Authorization: Bearer not-a-token\r\n', 'Invalid or expired token'],
  ])(
    'answers an admin route with %s 401 before its 10 MB body arrives, and closes',
    async (_case, authorization, error) => {
      const client = await rawConnection(t.url);
      // The start of the body, then nothing: the answer must not wait for the rest.
      client.write(head('POST', '/api/sessions/1/chat-import', TEN_MB, authorization));
      client.write('{"chatData": [' + ' '.repeat(1024));
      const res = await client.response();
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toEqual({ error });
      expect(res.headers.connection).toBe('close');
      await client.closed;
    },
  );

  it('answers the live vote route without a token before its body arrives', async () => {
    const client = await rawConnection(t.url);
    client.write(head('POST', '/api/votes/live', 1024 * 1024) + '{"username": ');
    const res = await client.response();
    expect([res.status, JSON.parse(res.body)]).toEqual([401, { error: 'Access token required' }]);
    await client.closed;
  });

  it.each(['/api/auth/login', '/api/pick'])(
    'refuses a body over 16 KB on the anonymous route %s before reading it',
    async (path) => {
      const client = await rawConnection(t.url);
      client.write(head('POST', path, 100 * 1024) + '{"apiKey": "');
      const res = await client.response();
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toEqual({ error: 'Request body is too large (limit 16 KB)' });
      expect(res.headers.connection).toBe('close');
      await client.closed;
    },
  );

  it('still reads an admin body with a valid token, on a connection kept open', async () => {
    const token = await t.login();
    const authorization = `Authorization: Bearer ${token}\r\n`;
    const client = await rawConnection(t.url);
    const body = JSON.stringify({ notes: 'x'.repeat(20 * 1024) });
    client.write(head('POST', '/api/sessions', Buffer.byteLength(body), authorization) + body);
    const created = await client.response();
    expect(created.status).toBe(201);
    expect(created.headers.connection).not.toBe('close');
    const { id } = JSON.parse(created.body);
    client.write(head('POST', `/api/sessions/${id}/close`, 2, authorization) + '{}');
    expect((await client.response()).status).toBe(200);
  });
});

describe('slow requests are cut off', () => {
  const TIMEOUT_MS = 1_000;
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ http: { requestTimeoutMs: TIMEOUT_MS } });
  });
  afterEach(destroyRawConnections);
  afterAll(() => t.close());

  const timedOut = {
    status: 408,
    body: JSON.stringify({
      error: `Request timed out: headers and body must arrive within ${TIMEOUT_MS} ms`,
    }),
  };

  it('answers 408 and closes when the body is shorter than its Content-Length', async () => {
    const client = await rawConnection(t.url);
    client.write(head('POST', '/api/pick', 100) + '{"playerCount"');
    expect(await client.response()).toMatchObject(timedOut);
    await client.closed;
  });

  it('answers 408 and closes when the headers never end', async () => {
    const client = await rawConnection(t.url);
    client.write('GET /health HTTP/1.1\r\nHost: api\r\nX-Slow: ');
    expect(await client.response()).toMatchObject(timedOut);
    await client.closed;
  });

  it('leaves WebSockets and idle keep-alive connections open past the timeout', async () => {
    const token = await t.login();
    const socket = await authedSocket(t.url, token);
    const keptAlive = await rawConnection(t.url);
    keptAlive.write('GET /health HTTP/1.1\r\nHost: api\r\n\r\n');
    expect((await keptAlive.response()).status).toBe(200);
    // A request started after both and cut off proves the timeout has passed for them too.
    const slow = await rawConnection(t.url);
    slow.write(head('POST', '/api/pick', 100));
    expect((await slow.response()).status).toBe(408);

    socket.send({ type: 'ping' });
    await socket.next(ofType('pong'));
    keptAlive.write('GET /health HTTP/1.1\r\nHost: api\r\n\r\n');
    expect((await keptAlive.response()).status).toBe(200);
    socket.socket.close();
  });
});
