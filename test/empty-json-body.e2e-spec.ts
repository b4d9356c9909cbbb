import { startTestApp, type TestApp } from './support/app';
import { startReceiver, type Receiver } from './support/receiver';

/**
 * Many bots' HTTP helpers send `Content-Type: application/json` on every request, including
 * those without a body: an empty body is no body, whatever the route.
 */
describe('an empty body sent as application/json', () => {
  let t: TestApp;
  let token: string;
  let receiver: Receiver;
  const empty = (method: string, path: string, length = '') =>
    t.request(method, path, {
      token,
      rawBody: length,
      headers: { 'content-type': 'application/json' },
    });

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.login();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  async function webhook(): Promise<number> {
    const res = await t.request('POST', '/api/webhooks', {
      token,
      body: { name: 'Bot', url: receiver.url, events: ['game.added'] },
    });
    expect(res.status).toBe(201);
    return res.body.id as number;
  }

  it('sends a webhook test', async () => {
    const res = await empty('POST', `/api/webhooks/test/${await webhook()}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true });
  });

  it('deletes a webhook', async () => {
    const id = await webhook();
    const res = await empty('DELETE', `/api/webhooks/${id}`);
    expect(res.status).toBe(200);
    expect((await t.request('GET', `/api/webhooks/${id}`, { token })).status).toBe(404);
  });

  it('treats whitespace alone as no body too', async () => {
    const res = await empty('DELETE', `/api/webhooks/${await webhook()}`, ' \r\n');
    expect(res.status).toBe(200);
  });

  it('picks with no filters, and starts a session with no notes', async () => {
    const pick = await empty('POST', '/api/pick');
    expect(pick.status).toBe(200);
    expect(pick.body.game).toMatchObject({ id: expect.any(Number) });
    const active = await t.request('GET', '/api/sessions/active');
    if (active.body?.id) await empty('POST', `/api/sessions/${active.body.id}/close`);
    const session = await empty('POST', '/api/sessions');
    expect(session.status).toBe(201);
    expect(session.body).toMatchObject({ notes: null, is_active: true });
  });

  it('is still refused by routes that need a body, naming what is missing', async () => {
    const game = await empty('POST', '/api/games');
    expect(game.status).toBe(400);
    expect(game.body.error).toMatch(/title/);
    const login = await empty('POST', '/api/auth/login');
    expect(login.status).toBe(400);
    expect(login.body.error).not.toMatch(/empty/i);
    const vote = await empty('POST', '/api/votes/live');
    expect(vote.status).toBe(400);
    expect(vote.body.error).toMatch(/username/);
  });

  it('still answers malformed JSON with 400', async () => {
    const res = await empty('POST', '/api/pick', '{"playerCount": ');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/not valid JSON/i);
  });
});
