import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '../src/webhooks/clock';
import { retryOnDeadlock } from '../src/database/sql';
import { WebhookDeliveryWorker } from '../src/webhooks/webhook-delivery.worker';
import { startTestApp, TEST_WEBHOOK_SETTINGS, type TestApp } from './support/app';
import { signatureIsValid } from './support/bot';
import { addGame as addSessionGame, createSession, waitUntil } from './support/factories';
import { scrape } from './support/metrics';
import { startReceiver, type Receiver } from './support/receiver';
import { WEBHOOK_EVENTS } from '../src/events/event-types';

const SECRET = 'test_secret_123';

/** A new session of this test's own with one game added: one game.added event. */
async function addGame(
  t: TestApp,
  token: string,
  title = 'Fibbage 4',
): Promise<{ sessionId: number }> {
  const session = await createSession(t, token);
  await addSessionGame(t, token, session.id, title);
  return { sessionId: session.id };
}

describe('webhooks', () => {
  let t: TestApp;
  let token: string;
  let receiver: Receiver;
  const api = (method: string, path: string, body?: unknown) =>
    t.request(method, path, { token, body });
  const create = async (body: object) =>
    (
      await api('POST', '/api/webhooks', {
        name: 'Bot',
        secret: SECRET,
        events: ['game.added'],
        ...body,
      })
    ).body;
  const clock = () => t.app.get(Clock);
  const worker = () => t.app.get(WebhookDeliveryWorker);
  const logs = async (id: number) => (await api('GET', `/api/webhooks/${id}/logs`)).body;
  /** The attempts recorded so far, per delivery. */
  const claims = async () =>
    t.app
      .get(DataSource)
      .query('SELECT id::int AS id, attempts FROM webhook_deliveries ORDER BY id');
  /**
   * Checks that the worker sends nothing now, with a positive marker instead of a wait: a new
   * webhook gets a session.started delivery, claimed by the same query that would claim
   * anything else due. When it has arrived alone, and no other delivery gained a claim, nothing
   * else was due.
   */
  const nothingDue = async () => {
    const before = receiver.requests.length;
    const claimedBefore = await claims();
    await create({ url: `${receiver.url}/marker`, events: ['session.started'] });
    await createSession(t, token);
    const requests = await receiver.waitFor(before + 1);
    expect(requests.slice(before).map((r) => [r.path, r.headers['x-webhook-event']])).toEqual([
      ['/marker', 'session.started'],
    ]);
    const claimedAfter = await claims();
    expect(claimedAfter.slice(0, claimedBefore.length)).toEqual(claimedBefore);
  };
  /** The pending delivery's next attempt time, and when its last attempt was made. */
  const schedule = async (hookId: number) => {
    const [row] = await t.app.get(DataSource).query(
      `SELECT d.next_attempt_at AS due, max(a.attempted_at) AS attempted
         FROM webhook_deliveries d JOIN webhook_attempts a ON a.delivery_id = d.id
         WHERE d.webhook_id = $1 GROUP BY d.id`,
      [hookId],
    );
    return { due: row.due.getTime() as number, attempted: row.attempted.getTime() as number };
  };
  /**
   * Moves the worker's clock to `marginMs` before the delivery is due. The clock also runs in
   * real time, so the margin is what the test's own steps may take before the check.
   */
  /** Stops the test clock `marginMs` short of `due` (it moves on in real time from there). */
  const moveClockToBefore = (due: number, marginMs: number) =>
    clock().advance(Math.max(0, due - marginMs - clock().now().getTime()));

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.login();
  });
  beforeEach(async () => {
    receiver = await startReceiver();
    await retryOnDeadlock(() => t.app.get(DataSource).query('DELETE FROM webhooks'));
    // A session left open would end when this test opens its own, and that session.ended is
    // not this test's to receive.
    const active = await t.request('GET', '/api/sessions/active');
    if (active.body.id) await api('POST', `/api/sessions/${active.body.id}/close`, {});
  });
  afterEach(() => receiver.close());
  afterAll(() => t.close());

  describe('management', () => {
    it('creates a webhook; a generated secret is returned once and never again', async () => {
      const res = await api('POST', '/api/webhooks', {
        name: 'Kosmi Bot',
        url: `${receiver.url}/hook`,
        events: ['game.added', 'vote.received'],
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        name: 'Kosmi Bot',
        url: `${receiver.url}/hook`,
        events: ['game.added', 'vote.received'],
        enabled: true,
        disabled_reason: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
        secret: expect.stringMatching(/^whsec_/),
      });
      const secret = res.body.secret;
      const reads = [
        await api('GET', '/api/webhooks'),
        await api('GET', `/api/webhooks/${res.body.id}`),
        await api('PATCH', `/api/webhooks/${res.body.id}`, { name: 'Renamed' }),
        await api('POST', `/api/webhooks/test/${res.body.id}`),
        await api('GET', `/api/webhooks/${res.body.id}/logs`),
        await api('PATCH', `/api/webhooks/${res.body.id}`, { url: 'ftp://nope' }),
      ];
      for (const read of reads) expect(read.text).not.toContain(secret);
      expect(reads[0].body[0]).not.toHaveProperty('secret');
      // A secret the caller chose is not echoed either.
      const chosen = await create({ url: receiver.url });
      expect(chosen).not.toHaveProperty('secret');
    });

    it('updates any field, disables and enables, deletes', async () => {
      const hook = await create({ url: receiver.url });
      const updated = await api('PATCH', `/api/webhooks/${hook.id}`, {
        name: 'New',
        url: `${receiver.url}/x`,
        events: ['session.started'],
        enabled: false,
      });
      expect(updated.body).toMatchObject({
        name: 'New',
        url: `${receiver.url}/x`,
        events: ['session.started'],
        enabled: false,
      });
      expect((await api('PATCH', `/api/webhooks/${hook.id}`, { enabled: true })).body.enabled).toBe(
        true,
      );
      expect((await api('DELETE', `/api/webhooks/${hook.id}`)).body).toEqual({
        success: true,
        message: `Webhook ${hook.id} deleted`,
      });
      expect((await api('GET', `/api/webhooks/${hook.id}`)).status).toBe(404);
      expect((await api('DELETE', `/api/webhooks/${hook.id}`)).status).toBe(404);
    });

    it.each([
      [{ url: 'ftp://example.com/hook' }, /url must be an http or https URL/],
      [{ url: 'not a url' }, /url must be an http or https URL/],
      // Accepted by the DTO's URL check, refused by the URL parser the sender uses.
      [{ url: 'http://xn--zz/hook' }, /url must be an http or https URL/],
      [{ url: 'http://a.0x1/' }, /url must be an http or https URL/],
      [
        { events: ['game.deleted'] },
        new RegExp(`events must each be one of ${WEBHOOK_EVENTS.join(', ')}`),
      ],
      [{ events: [] }, /events must contain at least 1 elements/],
      [{ name: '' }, /name must be longer/],
      [{ secret: 'short' }, /secret must be longer/],
      [
        { url: 'http://169.254.169.254/latest/meta-data' },
        /url refused: address 169.254.169.254 is link-local/,
      ],
      [{ url: 'http://[::ffff:169.254.169.254]/' }, /url refused/],
      [{ url: 'http://0.0.0.0:3001/' }, /url refused/],
      // IPv4-compatible and NAT64 forms of the metadata address.
      [
        { url: 'http://[::a9fe:a9fe]/' },
        /url refused: address ::a9fe:a9fe \(IPv4 169.254.169.254\)/,
      ],
      [{ url: 'http://[64:ff9b::169.254.169.254]/' }, /url refused: .*\(IPv4 169.254.169.254\)/],
      [{ url: 'http://[64:ff9b:1::a9fe:a9fe]/' }, /url refused: .*\(IPv4 169.254.169.254\)/],
      [
        { url: 'http://bob:hunter2pass@127.0.0.1/' },
        /url must not contain a user name or password/,
      ],
      [{ url: 'http://bob@127.0.0.1/' }, /url must not contain a user name or password/],
    ])('refuses %j with 400 and stores nothing', async (body, message) => {
      const res = await api('POST', '/api/webhooks', {
        name: 'Bot',
        url: receiver.url,
        events: ['game.added'],
        ...body,
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
      expect((await api('GET', '/api/webhooks')).body).toEqual([]);
    });

    it('refuses a user name or password in a new url on update and keeps the old one', async () => {
      const hook = await create({ url: receiver.url });
      const withPassword = receiver.url.replace('http://', 'http://bob:hunter2pass@');
      const res = await api('PATCH', `/api/webhooks/${hook.id}`, { url: withPassword });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/url must not contain a user name or password/);
      expect(res.text).not.toContain('hunter2pass');
      expect((await api('GET', `/api/webhooks/${hook.id}`)).body.url).toBe(receiver.url);
    });

    it('refuses on update a url the URL parser refuses, and keeps the old one', async () => {
      const hook = await create({ url: receiver.url });
      const res = await api('PATCH', `/api/webhooks/${hook.id}`, { url: 'http://xn--zz/hook' });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/url must be an http or https URL/);
      expect((await api('GET', `/api/webhooks/${hook.id}`)).body.url).toBe(receiver.url);
    });

    it('limits logs to 100', async () => {
      const hook = await create({ url: receiver.url });
      expect((await api('GET', `/api/webhooks/${hook.id}/logs?limit=101`)).status).toBe(400);
      expect((await api('GET', `/api/webhooks/${hook.id}/logs?limit=100`)).status).toBe(200);
      expect((await api('GET', '/api/webhooks/999999/logs')).status).toBe(404);
    });

    it.each([
      ['GET', '/api/webhooks'],
      ['GET', '/api/webhooks/1'],
      ['POST', '/api/webhooks'],
      ['PATCH', '/api/webhooks/1'],
      ['DELETE', '/api/webhooks/1'],
      ['POST', '/api/webhooks/test/1'],
      ['GET', '/api/webhooks/1/logs'],
      ['POST', '/api/webhooks/1/deliveries/1/retry'],
    ])('%s %s needs a token', async (method, path) => {
      expect((await t.request(method, path, method === 'GET' ? {} : { body: {} })).status).toBe(
        401,
      );
    });
  });

  describe('delivery', () => {
    it('signs each delivery as a bot verifies it (sha256= hex HMAC of the body), with replay-protection headers', async () => {
      const hook = await create({ url: `${receiver.url}/webhook/jackbox` });
      await addGame(t, token);
      const [request] = await receiver.waitFor(1);
      const { headers, body } = request;
      expect(headers['content-type']).toBe('application/json');
      expect(headers['user-agent']).toBe('Jackbox-Game-Picker-Webhook/1.0');
      expect(headers['x-webhook-event']).toBe('game.added');
      expect(headers['x-webhook-signature']).toBe(
        'sha256=' + createHmac('sha256', SECRET).update(body).digest('hex'),
      );
      expect(signatureIsValid(headers['x-webhook-signature'], body, SECRET)).toBe(true);
      // A bot whose framework hands it only the parsed body re-serializes it with
      // JSON.stringify: that must give back the signed bytes exactly.
      const reserialized = JSON.stringify(JSON.parse(body));
      expect(reserialized).toBe(body);
      expect(signatureIsValid(headers['x-webhook-signature'], reserialized, SECRET)).toBe(true);
      expect(headers['x-webhook-id']).toMatch(/^msg_\d+$/);
      expect(headers['webhook-id']).toBe(headers['x-webhook-id']);
      expect(headers['x-webhook-timestamp']).toBe(headers['webhook-timestamp']);
      // The timestamp is the attempt's own time, in seconds.
      await waitUntil(async () => (await logs(hook.id)).length === 1);
      const [attempt] = await logs(hook.id);
      expect(Number(headers['webhook-timestamp'])).toBe(
        Math.floor(Date.parse(attempt.attempted_at) / 1000),
      );
      const signed = `${headers['webhook-id'] as string}.${headers['webhook-timestamp'] as string}.${body}`;
      expect(headers['webhook-signature']).toBe(
        'v1,' + createHmac('sha256', SECRET).update(signed).digest('base64'),
      );

      const payload = JSON.parse(body);
      expect(Object.keys(payload)).toEqual(['event', 'timestamp', 'data']);
      const [event] = await t.app
        .get(DataSource)
        .query(
          `SELECT payload, created_at FROM events WHERE type = 'game.added' ORDER BY id DESC LIMIT 1`,
        );
      expect(payload).toEqual({
        event: 'game.added',
        timestamp: event.created_at.toISOString(),
        data: event.payload,
      });
      expect(payload.data.game).toEqual({
        id: expect.any(Number),
        title: 'Fibbage 4',
        pack_name: 'The Jackbox Party Pack 9',
        min_players: 2,
        max_players: 8,
        manually_added: false,
        source: 'dice',
        room_code: null,
      });
      expect(body).toBe(JSON.stringify(payload));
    });

    it('sends only the events a webhook subscribed to', async () => {
      const hook = await create({ url: receiver.url, events: ['session.ended'] });
      const { sessionId } = await addGame(t, token);
      await t.request('POST', `/api/sessions/${sessionId}/close`, { token, body: {} });
      const [request] = await receiver.waitFor(1);
      expect(request.headers['x-webhook-event']).toBe('session.ended');
      // The game.added before it never became a delivery, so it can never be sent. (The one
      // sent gets its row once its success is written down, a moment after the answer.)
      const deliveries = () =>
        t.app
          .get(DataSource)
          .query('SELECT event_type FROM webhook_deliveries WHERE webhook_id = $1', [hook.id]);
      await waitUntil(async () => (await deliveries()).length > 0);
      expect(await deliveries()).toEqual([{ event_type: 'session.ended' }]);
      expect(receiver.requests).toHaveLength(1);
      expect(JSON.parse(request.body).data.session).toMatchObject({
        id: sessionId,
        is_active: false,
      });
    });

    it('logs answers whose body holds a NUL byte, which PostgreSQL text cannot store', async () => {
      // Before, the statement logging such an attempt failed: the attempt was never logged,
      // and the delivery was sent again once its claim ran out.
      receiver.reply = (_r, n) => ({ status: n === 0 ? 500 : 200, body: `no\u0000${n}` });
      const hook = await create({ url: receiver.url });
      await addGame(t, token);
      await receiver.waitFor(1);
      await waitUntil(async () => (await logs(hook.id)).length === 1);
      clock().advance(60_000);
      worker().kick();
      await waitUntil(async () => (await logs(hook.id)).length === 2);
      const attempts = (await logs(hook.id)) as { success: boolean; response_body: string }[];
      expect(attempts.map((a) => [a.success, a.response_body]).sort()).toEqual([
        [false, 'no\uFFFD0'],
        [true, 'no\uFFFD1'],
      ]);
      expect(receiver.requests).toHaveLength(2);
    });

    it('logs each attempt and retries a failed one on schedule (controllable clock)', async () => {
      receiver.reply = (_r, n) => (n === 0 ? { status: 500, body: 'boom'.repeat(400) } : {});
      const hook = await create({ url: receiver.url });
      await addGame(t, token);
      await receiver.waitFor(1);
      await waitUntil(async () => (await logs(hook.id)).length === 1);
      const [first] = await logs(hook.id);
      expect(first).toMatchObject({
        event: 'game.added',
        attempt: 1,
        status_code: 500,
        success: false,
        error: 'receiver answered 500',
        delivery_status: 'pending',
      });
      expect(first.response_body).toHaveLength(1024);
      expect(first.duration_ms).toEqual(expect.any(Number));

      // The first retry is due 10 s later, give or take 20 % jitter.
      const { due, attempted } = await schedule(hook.id);
      expect(due - attempted).toBeGreaterThanOrEqual(8_000);
      expect(due - attempted).toBeLessThanOrEqual(12_000);
      // Not sent before it is due (the test clock stops short of it), sent once it is.
      moveClockToBefore(due, 60_000);
      await nothingDue();
      clock().advance(60_000);
      worker().kick();
      const requests = await receiver.waitFor(3);
      expect(requests.map((r) => r.path)).toEqual(['/', '/marker', '/']);
      expect(requests[2].headers['x-webhook-id']).toBe(requests[0].headers['x-webhook-id']);
      expect(requests[2].body).toBe(requests[0].body);
      await waitUntil(async () => (await logs(hook.id)).length === 2);
      expect(
        (await logs(hook.id)).map((a: any) => [a.attempt, a.success, a.delivery_status]),
      ).toEqual([
        [2, true, 'delivered'],
        [1, false, 'delivered'],
      ]);
    });

    it('honours Retry-After', async () => {
      receiver.reply = (_r, n) =>
        n === 0 ? { status: 503, headers: { 'retry-after': '120' } } : {};
      const hook = await create({ url: receiver.url });
      await addGame(t, token);
      await receiver.waitFor(1);
      await waitUntil(async () => (await logs(hook.id)).length === 1);
      // Retry-After (120 s) outweighs the first retry's 10 s.
      const { due, attempted } = await schedule(hook.id);
      expect(due - attempted).toBe(120_000);
      moveClockToBefore(due, 60_000);
      await nothingDue();
      clock().advance(60_000);
      worker().kick();
      await receiver.waitFor(3);
      expect(receiver.requests.map((r) => r.path)).toEqual(['/', '/marker', '/']);
    });

    it('gives up a hanging receiver after the timeout (2 s here, real time the server waits)', async () => {
      const slow = await startReceiver();
      slow.reply = () => ({ hang: true });
      try {
        const hanging = await create({ url: slow.url, name: 'Hanging' });
        await create({ url: receiver.url, name: 'Healthy' });
        await addGame(t, token);
        await receiver.waitFor(1);
        await slow.waitFor(1);
        await waitUntil(async () => (await logs(hanging.id)).length === 1);
        expect((await logs(hanging.id))[0]).toMatchObject({
          success: false,
          status_code: null,
          error: 'timed out after 2000 ms',
        });
      } finally {
        await slow.close();
      }
    });

    it('never follows a redirect', async () => {
      const target = await startReceiver();
      receiver.reply = () => ({ status: 302, headers: { location: `${target.url}/elsewhere` } });
      try {
        const hook = await create({ url: receiver.url });
        await addGame(t, token);
        await waitUntil(async () => (await logs(hook.id)).length === 1);
        expect((await logs(hook.id))[0]).toMatchObject({
          status_code: 302,
          success: false,
          error: `redirect to ${target.url}/elsewhere not followed`,
        });
        expect(target.requests).toEqual([]);
      } finally {
        await target.close();
      }
    });

    it('disables a webhook whose receiver answers 410 Gone; enabling it again clears the reason', async () => {
      receiver.reply = () => ({ status: 410 });
      const hook = await create({ url: receiver.url });
      await addGame(t, token);
      await waitUntil(
        async () => (await api('GET', `/api/webhooks/${hook.id}`)).body.enabled === false,
      );
      expect((await api('GET', `/api/webhooks/${hook.id}`)).body.disabled_reason).toBe(
        'The receiver answered 410 Gone',
      );
      const [delivery] = await t.app
        .get(DataSource)
        .query(
          'SELECT status, last_status_code, last_error FROM webhook_deliveries WHERE webhook_id = $1',
          [hook.id],
        );
      expect(delivery).toEqual({
        status: 'failed',
        last_status_code: 410,
        last_error: 'receiver answered 410',
      });
      await addGame(t, token, 'Quiplash 3');
      await nothingDue();
      expect(receiver.requests.map((r) => r.path)).toEqual(['/', '/marker']);
      const enabled = await api('PATCH', `/api/webhooks/${hook.id}`, { enabled: true });
      expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null });
    });

    it('disables a webhook whose deliveries keep failing for a day', async () => {
      receiver.reply = () => ({ status: 500 });
      const hook = await create({ url: receiver.url });
      await addGame(t, token);
      await receiver.waitFor(1);
      clock().advance(25 * 3_600_000);
      await addGame(t, token, 'Quiplash 3');
      await waitUntil(
        async () => (await api('GET', `/api/webhooks/${hook.id}`)).body.enabled === false,
      );
      expect((await api('GET', `/api/webhooks/${hook.id}`)).body.disabled_reason).toBe(
        'Deliveries kept failing for 24 hours (last error: receiver answered 500)',
      );
    });

    it('gives up after 8 attempts over a day, which disables the webhook; a failed delivery can be sent again by hand', async () => {
      receiver.reply = () => ({ status: 500 });
      const hook = await create({ url: receiver.url });
      await addGame(t, token);
      for (let attempt = 1; attempt <= 8; attempt++) {
        await receiver.waitFor(attempt);
        await waitUntil(async () => (await logs(hook.id)).length === attempt);
        // Jump to when the next attempt is due, as scheduled (with its jitter).
        const [{ next_attempt_at: due }] = await t.app
          .get(DataSource)
          .query('SELECT next_attempt_at FROM webhook_deliveries WHERE webhook_id = $1', [hook.id]);
        clock().advance(Math.max(0, due.getTime() - clock().now().getTime()) + 1);
        worker().kick();
      }
      await nothingDue();
      const attempts = await logs(hook.id);
      expect(attempts.map((a: any) => a.attempt)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
      expect(attempts[0].delivery_status).toBe('failed');
      const span = Date.parse(attempts[0].attempted_at) - Date.parse(attempts[7].attempted_at);
      expect(span).toBeGreaterThanOrEqual(24 * 3_600_000);
      expect(span).toBeLessThan(25 * 3_600_000);
      expect((await api('GET', `/api/webhooks/${hook.id}`)).body).toMatchObject({
        enabled: false,
        disabled_reason: 'Deliveries kept failing for 24 hours (last error: receiver answered 500)',
      });

      receiver.reply = () => ({});
      const retried = await api(
        'POST',
        `/api/webhooks/${hook.id}/deliveries/${attempts[0].delivery_id}/retry`,
      );
      expect(retried.body).toEqual({
        message: 'Delivery sent again',
        delivery_id: attempts[0].delivery_id,
        success: true,
        status_code: 200,
        error: null,
      });
      expect((await logs(hook.id))[0]).toMatchObject({
        attempt: 9,
        success: true,
        delivery_status: 'delivered',
      });
      const again = await api(
        'POST',
        `/api/webhooks/${hook.id}/deliveries/${attempts[0].delivery_id}/retry`,
      );
      expect(again).toMatchObject({
        status: 409,
        body: { error: `Delivery ${attempts[0].delivery_id} was already delivered` },
      });
      expect((await api('POST', `/api/webhooks/${hook.id}/deliveries/999999/retry`)).status).toBe(
        404,
      );
    });

    it('a test send is an event the webhook subscribes to, marked as a test in body and header', async () => {
      const hook = await create({ url: `${receiver.url}/votes`, events: ['vote.received'] });
      const before = receiver.requests.length;
      const res = await api('POST', `/api/webhooks/test/${hook.id}`);
      expect(res.body).toMatchObject({ success: true, status_code: 200 });
      const request = (await receiver.waitFor(before + 1))[before];
      expect(request.path).toBe('/votes');
      expect(request.headers['x-webhook-event']).toBe('vote.received');
      expect(request.headers['x-webhook-test']).toBe('true');
      expect(signatureIsValid(request.headers['x-webhook-signature'], request.body, SECRET)).toBe(
        true,
      );
      expect(JSON.parse(request.body)).toEqual({
        event: 'vote.received',
        timestamp: expect.any(String),
        test: true,
        data: {
          sessionId: expect.any(Number),
          game: { id: expect.any(Number), title: 'Test Game', pack_name: 'Test Pack' },
          vote: { username: expect.any(String), type: 'up', timestamp: expect.any(String) },
          totals: { upvotes: 1, downvotes: 0, popularity_score: 1 },
        },
      });
      expect((await logs(hook.id))[0]).toMatchObject({ event: 'vote.received' });
      // Real deliveries carry neither mark.
      await create({ url: `${receiver.url}/real` });
      await addGame(t, token);
      await waitUntil(() => receiver.requests.some((r) => r.path === '/real'));
      const real = receiver.requests.find((r) => r.path === '/real')!;
      expect(real.headers).not.toHaveProperty('x-webhook-test');
      expect(JSON.parse(real.body)).not.toHaveProperty('test');
    });

    it('a test send answered 410 Gone says so but leaves the webhook enabled', async () => {
      receiver.reply = () => ({ status: 410 });
      const hook = await create({ url: receiver.url });
      const res = await api('POST', `/api/webhooks/test/${hook.id}`);
      expect(res.body).toMatchObject({ success: false, status_code: 410 });
      expect((await api('GET', `/api/webhooks/${hook.id}`)).body).toMatchObject({
        enabled: true,
        disabled_reason: null,
      });
    });

    it('sending a pending delivery by hand keeps the rest of its retry schedule', async () => {
      receiver.reply = () => ({ status: 500 });
      const hook = await create({ url: receiver.url });
      await addGame(t, token);
      await waitUntil(async () => (await logs(hook.id)).length === 1);
      const [{ delivery_id }] = await logs(hook.id);
      const res = await api('POST', `/api/webhooks/${hook.id}/deliveries/${delivery_id}/retry`);
      expect(res.body).toMatchObject({ success: false, status_code: 500 });
      expect((await logs(hook.id))[0]).toMatchObject({ attempt: 2, delivery_status: 'pending' });
    });

    it('gives up on a delivery whose event is no longer stored, without holding it against the webhook', async () => {
      const hook = await create({ url: receiver.url });
      await t.app
        .get(DataSource)
        .query(
          `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type) VALUES ($1, NULL, 'game.added')`,
          [hook.id],
        );
      worker().kick();
      await waitUntil(async () => (await logs(hook.id)).length === 1);
      expect((await logs(hook.id))[0]).toMatchObject({
        attempt: 1,
        success: false,
        error: 'the event is no longer stored',
        delivery_status: 'failed',
      });
      const [webhook] = await t.app
        .get(DataSource)
        .query('SELECT enabled, failing_since FROM webhooks WHERE id = $1', [hook.id]);
      expect(webhook).toEqual({ enabled: true, failing_since: null });
      expect(receiver.requests).toEqual([]);
    });
  });
});

describe('a claim taken over mid-send', () => {
  it('cuts the send short at the next renewal, and logs nothing for it', async () => {
    // A send timeout far beyond the test, and leases renewed every half second: only the lost
    // claim can end this send.
    const t = await startTestApp({
      webhooks: { ...TEST_WEBHOOK_SETTINGS, timeoutMs: 60_000, leaseMs: 1_500 },
    });
    const receiver = await startReceiver();
    receiver.reply = () => ({ hang: true });
    try {
      const token = await t.login();
      const db = t.app.get(DataSource);
      const hook = (
        await t.request('POST', '/api/webhooks', {
          token,
          body: { name: 'Taken', url: receiver.url, secret: SECRET, events: ['game.added'] },
        })
      ).body;
      const failedSends = async () =>
        (await scrape(t)).value('jackbox_webhook_send_duration_seconds_count', {
          result: 'error',
        }) ?? 0;
      const before = await failedSends();
      await addGame(t, token);
      await receiver.waitFor(1);
      // Another worker takes its page over, as after this one's lease ran out.
      await db.query(
        'UPDATE webhook_pages SET claim_token = gen_random_uuid() WHERE webhook_id = $1',
        [hook.id],
      );
      await waitUntil(async () => (await failedSends()) > before);
      expect((await t.request('GET', `/api/webhooks/${hook.id}/logs`, { token })).body).toEqual([]);
      // Nothing written for it: the delivery is still its page's, for the new holder to send.
      expect(await db.query('SELECT id FROM webhook_deliveries')).toEqual([]);
      expect(await db.query('SELECT cardinality(delivery_ids) AS owed FROM webhook_pages')).toEqual(
        [{ owed: 1 }],
      );
    } finally {
      await receiver.close();
      await t.close();
    }
  });
});

describe('webhook delivery to several receivers', () => {
  it('a receiver that hangs does not hold up the other webhooks', async () => {
    // A send timeout far beyond the test: the hanging receiver is answered only after the
    // healthy one has its delivery, which a worker sending one at a time could never do.
    const t = await startTestApp({
      // The lease (5 s) is renewed while the slow send goes on.
      webhooks: { ...TEST_WEBHOOK_SETTINGS, timeoutMs: 60_000 },
    });
    const slow = await startReceiver();
    const healthy = await startReceiver();
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    slow.reply = () => ({ after: released });
    try {
      const token = await t.login();
      const hook = (name: string, url: string) =>
        t.request('POST', '/api/webhooks', {
          token,
          body: { name, url, secret: SECRET, events: ['game.added'] },
        });
      const hanging = (await hook('Hanging', slow.url)).body;
      await hook('Healthy', healthy.url);
      await addGame(t, token);
      await slow.waitFor(1);
      await healthy.waitFor(1);
      release();
      await waitUntil(
        async () =>
          (await t.request('GET', `/api/webhooks/${hanging.id}/logs`, { token })).body.length === 1,
      );
      const [attempt] = (await t.request('GET', `/api/webhooks/${hanging.id}/logs`, { token }))
        .body;
      expect(attempt).toMatchObject({ success: true, status_code: 200 });
    } finally {
      release();
      await t.close();
      await slow.close();
      await healthy.close();
    }
  });
});

describe('webhook address policy', () => {
  /** A webhook on `app` to the receiver, by the name `localhost` (which resolves to loopback). */
  const hookByHostname = (app: TestApp, token: string, receiver: Receiver) =>
    app.request('POST', '/api/webhooks', {
      token,
      body: {
        name: 'B',
        url: `http://localhost:${receiver.port}/`,
        secret: SECRET,
        events: ['game.added'],
      },
    });

  it('refuses loopback when private addresses are off, checked on the address connected to', async () => {
    const receiver = await startReceiver();
    const strict = await startTestApp({
      webhooks: { ...TEST_WEBHOOK_SETTINGS, allowPrivate: false, allowedHosts: [] },
    });
    try {
      const token = await strict.login();
      const literal = await strict.request('POST', '/api/webhooks', {
        token,
        body: { name: 'B', url: receiver.url, secret: SECRET, events: ['game.added'] },
      });
      expect(literal.body.error).toMatch(/loopback or private/);
      // A hostname that resolves to loopback passes the URL check and is refused on connect.
      const hook = await hookByHostname(strict, token, receiver);
      const test = await strict.request('POST', `/api/webhooks/test/${hook.body.id}`, { token });
      expect(test.body).toMatchObject({
        success: false,
        status_code: null,
        error: expect.stringMatching(/^address (127\.0\.0\.1|::1) is loopback or private/),
      });
      expect(receiver.requests).toEqual([]);
    } finally {
      await strict.close();
    }
    const allowed = await startTestApp({
      webhooks: { ...TEST_WEBHOOK_SETTINGS, allowPrivate: false, allowedHosts: ['localhost'] },
    });
    try {
      const token = await allowed.login();
      const hook = await hookByHostname(allowed, token, receiver);
      expect(
        (await allowed.request('POST', `/api/webhooks/test/${hook.body.id}`, { token })).body
          .success,
      ).toBe(true);
    } finally {
      await allowed.close();
      await receiver.close();
    }
  });
});

describe('webhook delivery across instances', () => {
  it('two instances share the work and send each delivery once', async () => {
    const receiver = await startReceiver();
    const a = await startTestApp();
    const b = await startTestApp({}, a.database);
    try {
      const token = await a.login();
      await a.request('POST', '/api/webhooks', {
        token,
        body: { name: 'Votes', url: receiver.url, secret: SECRET, events: ['vote.received'] },
      });
      await addGame(a, token);
      for (let i = 0; i < 30; i++) {
        const app = i % 2 ? a : b;
        await app.request('POST', '/api/votes/live', {
          token,
          body: { username: `u${i}`, vote: 'up', timestamp: new Date().toISOString() },
        });
      }
      const requests = await receiver.waitFor(30);
      const deliveries = () =>
        a.app.get(DataSource).query('SELECT status, attempts FROM webhook_deliveries ORDER BY id');
      // Once every delivery is recorded as delivered nothing can claim it again, and a second
      // claim of one in flight would show as a second attempt.
      await waitUntil(async () => {
        const rows = await deliveries();
        return rows.length === 30 && rows.every((d: any) => d.status === 'delivered');
      });
      expect(await deliveries()).toEqual(
        Array.from({ length: 30 }, () => ({ status: 'delivered', attempts: 1 })),
      );
      const ids = requests.map((r) => r.headers['x-webhook-id']);
      expect(new Set(ids).size).toBe(30);
      expect(receiver.requests).toHaveLength(30);
      const [{ n }] = await a.app
        .get(DataSource)
        .query('SELECT count(*)::int AS n FROM webhook_attempts');
      expect(n).toBe(30);
    } finally {
      await b.close();
      await a.close();
      await receiver.close();
    }
  });
});
