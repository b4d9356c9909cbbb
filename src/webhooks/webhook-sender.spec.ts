import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Cancel, WebhookSender } from './webhook-sender';

/** A receiver on a free loopback port whose answer each test chooses. */
async function receiver(answer: (res: ServerResponse) => void): Promise<{
  url: string;
  server: Server;
}> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook?x=1`, server };
}

describe('WebhookSender', () => {
  const open: { server: Server; sender: WebhookSender }[] = [];
  const start = async (answer: (res: ServerResponse) => void, timeoutMs = 5_000) => {
    const { url, server } = await receiver(answer);
    const sender = new WebhookSender({ allowPrivate: true, allowedHosts: [] }, timeoutMs, 2);
    open.push({ server, sender });
    return { url, sender };
  };
  afterEach(async () => {
    for (const { server, sender } of open.splice(0)) {
      await sender.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('answers the status, Retry-After and the start of the body, cut at 1 KB', async () => {
    const { url, sender } = await start((res) => {
      res.writeHead(503, { 'retry-after': '7' });
      res.end('x'.repeat(5_000));
    });
    const result = await sender.send(url, { 'content-type': 'application/json' }, '{}');
    expect(result).toMatchObject({ statusCode: 503, retryAfter: '7', error: undefined });
    expect(result.responseBody).toBe('x'.repeat(1024));
  });

  it('reports a redirect as not followed', async () => {
    const { url, sender } = await start((res) => {
      res.writeHead(302, { location: 'http://example.com/' });
      res.end();
    });
    const result = await sender.send(url, {}, '{}');
    expect(result).toMatchObject({
      statusCode: 302,
      error: 'redirect to http://example.com/ not followed',
    });
  });

  it('cuts a long redirect target in the error at 200 characters (it is logged and shown)', async () => {
    const target = `http://example.com/${'a'.repeat(10_000)}`;
    const { url, sender } = await start((res) => {
      res.writeHead(302, { location: target });
      res.end();
    });
    const result = await sender.send(url, {}, '{}');
    expect(result.error).toBe(`redirect to ${target.slice(0, 200)} not followed`);
  });

  it('settles at once when cancelled mid-send, with the reason as a timeout', async () => {
    let answered = false;
    const { url, sender } = await start(() => {
      answered = true; // and never answers
    });
    const cancel = new Cancel();
    const sending = sender.send(url, {}, '{}', cancel);
    while (!answered) await new Promise((resolve) => setImmediate(resolve));
    const reason = new Error('cut short');
    reason.name = 'TimeoutError';
    cancel.abort(reason);
    const result = await sending;
    expect(result.error).toBe('timed out after 5000 ms');
    expect(result.statusCode).toBeUndefined();
  });

  it('a send cancelled before it starts never reaches the receiver', async () => {
    let arrived = 0;
    const { url, sender } = await start((res) => {
      arrived++;
      res.end('ok');
    });
    const cancel = new Cancel();
    cancel.abort(new Error('lost'));
    await expect(sender.send(url, {}, '{}', cancel)).resolves.toMatchObject({ error: 'lost' });
    // The next send on the same connection pool goes through, and is the only one received.
    await expect(sender.send(url, {}, '{}')).resolves.toMatchObject({ statusCode: 200 });
    expect(arrived).toBe(1);
  });
});
