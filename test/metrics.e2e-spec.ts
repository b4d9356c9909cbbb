import { startTestApp, testConfig, type TestApp } from './support/app';
import { addGame, createSession, waitUntil } from './support/factories';
import { scrape, type Scrape } from './support/metrics';
import { startReceiver, type Receiver } from './support/receiver';
import { authedSocket, ofType } from './support/ws';

const METRICS_TOKEN = 'metrics-token-0123456789';
const REQUESTS = 'jackbox_http_request_duration_seconds_count';

describe('GET /metrics', () => {
  let t: TestApp;
  let token: string;
  let receiver: Receiver;
  const api = (method: string, path: string, body?: unknown) =>
    t.request(method, path, { token, body });
  /** What `read` says now, and a function answering how much it has grown since. */
  const counting = async (read: (s: Scrape) => number) => {
    const before = read(await scrape(t));
    return async () => read(await scrape(t)) - before;
  };

  beforeAll(async () => {
    // Pool sizes of their own, so the pool gauges cannot match by chance.
    t = await startTestApp({
      database: { ...testConfig('').database, poolSize: 9, votePoolSize: 3 },
    });
    token = await t.login();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('answers the Prometheus text format, open while METRICS_TOKEN is unset', async () => {
    const res = await t.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('# TYPE jackbox_http_request_duration_seconds histogram');
    expect(res.text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(res.text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });

  it('is not in the OpenAPI document', async () => {
    const res = await t.request('GET', '/api/docs-json');
    expect(Object.keys(res.body.paths)).not.toContain('/metrics');
  });

  it("labels requests with the route's pattern, never the URL", async () => {
    const matched = { method: 'GET', route: '/api/sessions/:id', status_code: '404' };
    const unmatched = { method: 'GET', route: 'unmatched', status_code: '404' };
    const before = await scrape(t);
    expect((await t.request('GET', '/api/sessions/918273645')).status).toBe(404);
    expect((await t.request('GET', '/api/no-such-route/564738291?x=1')).status).toBe(404);
    const after = await scrape(t);
    expect(after.value(REQUESTS, matched) - before.value(REQUESTS, matched)).toBe(1);
    expect(after.value(REQUESTS, unmatched) - before.value(REQUESTS, unmatched)).toBe(1);
    const labelValues = after.samples.flatMap((s) => Object.values(s.labels));
    expect(labelValues.filter((v) => /918273645|564738291|no-such-route/.test(v))).toEqual([]);
  });

  it('counts the live vote route, recorded votes, refusals by reason and the vote event', async () => {
    const session = await createSession(t, token);
    await addGame(t, token, session.id, 'Fibbage 4');
    const vote = { username: 'metrics-viewer', vote: 'up', timestamp: new Date().toISOString() };
    const voteRequests = (status: string) => (s: Scrape) =>
      s.value(REQUESTS, { method: 'POST', route: '/api/votes/live', status_code: status });
    const grown = {
      recorded: await counting((s) => s.value('jackbox_votes_recorded_total', { source: 'live' })),
      duplicate: await counting((s) =>
        s.value('jackbox_votes_refused_total', { reason: 'duplicate' }),
      ),
      unauthorized: await counting((s) =>
        s.value('jackbox_votes_refused_total', { reason: 'unauthorized' }),
      ),
      invalid: await counting((s) => s.value('jackbox_votes_refused_total', { reason: 'invalid' })),
      event: await counting((s) =>
        s.value('jackbox_events_published_total', { type: 'vote.received' }),
      ),
      ok: await counting(voteRequests('200')),
      conflict: await counting(voteRequests('409')),
    };

    expect((await api('POST', '/api/votes/live', vote)).status).toBe(200);
    expect((await api('POST', '/api/votes/live', vote)).status).toBe(409);
    expect((await t.request('POST', '/api/votes/live', { body: vote })).status).toBe(401);
    expect((await api('POST', '/api/votes/live', { ...vote, vote: 'sideways' })).status).toBe(400);

    expect(await grown.recorded()).toBe(1);
    expect(await grown.duplicate()).toBe(1);
    expect(await grown.unauthorized()).toBe(1);
    expect(await grown.invalid()).toBe(1);
    expect(await grown.event()).toBe(1);
    expect(await grown.ok()).toBe(1);
    expect(await grown.conflict()).toBe(1);
  });

  it('counts poll votes, changes of mind included, and poll votes refused by reason', async () => {
    const session = await createSession(t, token);
    const votes = `/api/sessions/${session.id}/poll/votes`;
    const vote = (option: unknown, username = 'metrics-poller') => ({
      username,
      option,
      timestamp: new Date().toISOString(),
    });
    const refused = (reason: string) =>
      counting((s) => s.value('jackbox_poll_votes_refused_total', { reason }));
    const grown = {
      recorded: await counting((s) => s.value('jackbox_votes_recorded_total', { source: 'poll' })),
      live: await counting((s) => s.value('jackbox_votes_recorded_total', { source: 'live' })),
      noPoll: await refused('no_poll'),
      badOption: await refused('bad_option'),
      invalid: await refused('invalid'),
      unauthorized: await refused('unauthorized'),
      noSession: await refused('no_session'),
      closed: await refused('session_closed'),
    };

    expect((await api('POST', votes, vote(1))).status).toBe(409);
    const started = await api('POST', `/api/sessions/${session.id}/voting/start`, {
      options: [{ label: 'Left' }, { label: 'Right' }],
    });
    expect(started.status).toBe(201);
    expect((await api('POST', votes, vote(1))).status).toBe(200);
    expect((await api('POST', votes, vote(2))).status).toBe(200);
    expect((await api('POST', votes, vote(7))).status).toBe(400);
    expect((await api('POST', votes, { username: 'metrics-poller' })).status).toBe(400);
    expect((await t.request('POST', votes, { body: vote(1) })).status).toBe(401);
    expect((await api('POST', '/api/sessions/918273645/poll/votes', vote(1))).status).toBe(404);
    expect((await api('POST', `/api/sessions/${session.id}/close`, {})).status).toBe(200);
    expect((await api('POST', votes, vote(1, 'metrics-late'))).status).toBe(409);

    expect(await grown.recorded()).toBe(2);
    expect(await grown.live()).toBe(0);
    expect(await grown.noPoll()).toBe(1);
    expect(await grown.badOption()).toBe(1);
    expect(await grown.invalid()).toBe(1);
    expect(await grown.unauthorized()).toBe(1);
    expect(await grown.noSession()).toBe(1);
    expect(await grown.closed()).toBe(1);
  });

  it('counts a vote refused for want of an active session', async () => {
    const session = await createSession(t, token);
    await api('POST', `/api/sessions/${session.id}/close`, {});
    const grown = await counting((s) =>
      s.value('jackbox_votes_refused_total', { reason: 'no_active_session' }),
    );
    const res = await api('POST', '/api/votes/live', {
      username: 'metrics-late',
      vote: 'down',
      timestamp: new Date().toISOString(),
    });
    expect(res.status).toBe(404);
    expect(await grown()).toBe(1);
  });

  it('counts open WebSockets, their subscriptions and the ones the server drops', async () => {
    const session = await createSession(t, token);
    const before = await scrape(t);
    const socket = await authedSocket(t.url, token);
    socket.send({ type: 'subscribe', sessionId: session.id });
    await socket.next(ofType('subscribed'));
    const open = await scrape(t);
    expect(open.value('jackbox_ws_connections')).toBe(before.value('jackbox_ws_connections') + 1);
    expect(open.value('jackbox_ws_subscriptions')).toBe(
      before.value('jackbox_ws_subscriptions') + 1,
    );

    // Over the message limit: the server closes it.
    for (let i = 0; i <= t.config.live.messagesPer10s; i++) socket.send({ type: 'ping' });
    expect((await socket.closed).code).toBe(4429);
    await waitUntil(
      async () =>
        (await scrape(t)).value('jackbox_ws_connections') ===
        before.value('jackbox_ws_connections'),
    );
    const closed = await scrape(t);
    expect(closed.value('jackbox_ws_subscriptions')).toBe(before.value('jackbox_ws_subscriptions'));
    const drops = (s: Scrape) => s.value('jackbox_ws_drops_total', { reason: 'rate_limited' });
    expect(drops(closed) - drops(before)).toBe(1);
  });

  it('counts webhook deliveries by outcome, their send times and the backlog', async () => {
    const deliveries = (outcome: string) => (s: Scrape) =>
      s.value('jackbox_webhook_deliveries_total', { outcome });
    const sends = (result: string) => (s: Scrape) =>
      s.value('jackbox_webhook_send_duration_seconds_count', { result });
    const delivered = await counting(deliveries('delivered'));
    const retrying = await counting(deliveries('retrying'));
    const sent2xx = await counting(sends('2xx'));
    const sent5xx = await counting(sends('5xx'));
    receiver.reply = (request) => ({ status: request.path === '/down' ? 500 : 200 });
    for (const path of ['/up', '/down']) {
      const res = await api('POST', '/api/webhooks', {
        name: `Metrics ${path}`,
        url: `${receiver.url}${path}`,
        events: ['game.added'],
      });
      expect(res.status).toBe(201);
    }
    const session = await createSession(t, token);
    await addGame(t, token, session.id, 'Quiplash 3');

    await receiver.waitFor(2);
    await waitUntil(async () => (await delivered()) === 1 && (await retrying()) === 1);
    expect(await sent2xx()).toBe(1);
    expect(await sent5xx()).toBe(1);
    // The failed one waits for its retry.
    const backlog = await scrape(t);
    expect(backlog.value('jackbox_webhook_pending_deliveries')).toBe(1);
    expect(backlog.value('jackbox_webhook_oldest_pending_age_seconds')).toBeGreaterThan(0);
    expect(backlog.value('jackbox_webhook_due_lag_seconds')).toBe(0);
  });

  it('reports both database pools', async () => {
    const s = await scrape(t);
    const max = (pool: string) => s.value('jackbox_db_pool_max_connections', { pool });
    expect(max('main')).toBe(t.config.database.poolSize);
    expect(max('votes')).toBe(t.config.database.votePoolSize);
    expect(s.value('jackbox_db_pool_connections', { pool: 'main' })).toBeGreaterThan(0);
    for (const name of ['connections', 'idle_connections', 'waiting_requests']) {
      const pools = s.samples.filter((x) => x.name === `jackbox_db_pool_${name}`);
      expect(pools.map((x) => x.labels.pool).sort()).toEqual(['main', 'votes']);
    }
  });

  describe('with METRICS_TOKEN, on a second instance', () => {
    let secured: TestApp;

    beforeAll(async () => {
      secured = await startTestApp({ metrics: { token: METRICS_TOKEN } }, t.database);
    });
    afterAll(() => secured.close());

    it('answers 401 without the token, and with any other', async () => {
      const none = await secured.request('GET', '/metrics');
      expect(none.status).toBe(401);
      expect(none.body).toEqual({ error: 'Metrics token required' });
      for (const other of [`${METRICS_TOKEN}x`, 'wrong', await secured.login()]) {
        const res = await secured.request('GET', '/metrics', { token: other });
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ error: 'Invalid metrics token' });
      }
      const basic = await secured.request('GET', '/metrics', {
        headers: { authorization: `Basic ${METRICS_TOKEN}` },
      });
      expect(basic.status).toBe(401);
    });

    it('answers 200 with the token', async () => {
      const res = await secured.request('GET', '/metrics', { token: METRICS_TOKEN });
      expect(res.status).toBe(200);
      expect(res.text).toContain('jackbox_votes_recorded_total');
    });

    it("times the relay of the other instance's events", async () => {
      const relayed = async () =>
        (await scrape(secured, METRICS_TOKEN)).value('jackbox_event_relay_lag_seconds_count');
      const before = await relayed();
      await createSession(t, token);
      await waitUntil(async () => (await relayed()) > before);
      const s = await scrape(secured, METRICS_TOKEN);
      expect(s.value('jackbox_event_relay_listening')).toBe(1);
      expect(s.value('jackbox_event_relay_lag_seconds_sum')).toBeGreaterThan(0);
    });
  });
});
