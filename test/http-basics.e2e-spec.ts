import { adminQuery } from './support/database';
import { startTestApp, type TestApp } from './support/app';

describe('errors, health and the OpenAPI document', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('error format', () => {
    it('answers malformed JSON with 400 {error}', async () => {
      const res = await t.request('POST', '/api/auth/login', {
        rawBody: '{"apiKey": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: expect.stringMatching(/not valid JSON/i) });
    });

    it('answers an unknown field with 400 naming it', async () => {
      const res = await t.request('POST', '/api/auth/login', {
        body: { apiKey: 'x', admin: true },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/admin should not exist/);
    });

    it('answers an unknown route with 404 {error}', async () => {
      const res = await t.request('GET', '/api/no-such-thing?x=1');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'Route not found: GET /api/no-such-thing' });
    });

    it('answers a body over 1 MB with 413 {error}', async () => {
      const res = await t.request('POST', '/api/auth/login', {
        rawBody: JSON.stringify({ apiKey: 'x'.repeat(1024 * 1024 + 10) }),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(413);
      expect(res.body).toEqual({ error: expect.stringMatching(/too large/i) });
    });

    it('never sends a stack trace', async () => {
      const res = await t.request('POST', '/api/auth/login', {
        rawBody: '[[[',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
      expect(Object.keys(res.body)).toEqual(['error']);
    });

    it('echoes a request id on every response', async () => {
      const res = await t.request('GET', '/health', { headers: { 'x-request-id': 'bot-req-42' } });
      expect(res.headers.get('x-request-id')).toBe('bot-req-42');
      const fresh = await t.request('GET', '/health');
      expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('health', () => {
    it.each(['/health', '/api/health'])('%s answers 200 with the database status', async (path) => {
      const res = await t.request('GET', path);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'ok',
        message: 'Jackbox Game Picker API is running',
        database: 'up',
      });
    });

    it('answers 503 while the database is unreachable, and 200 again after', async () => {
      const name = t.database.name;
      await adminQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await adminQuery(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      try {
        const res = await t.request('GET', '/api/health');
        expect(res.status).toBe(503);
        expect(res.body).toMatchObject({
          status: 'error',
          database: 'down',
          error: 'Database unavailable',
        });
      } finally {
        await adminQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      }
      expect((await t.request('GET', '/health')).status).toBe(200);
    });
  });

  describe('OpenAPI', () => {
    it('serves Swagger UI at /api/docs', async () => {
      const res = await t.request('GET', '/api/docs');
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/swagger-ui/i);
    });

    it('serves the document at /api/docs-json with bearer auth and documented schemas', async () => {
      const res = await t.request('GET', '/api/docs-json');
      expect(res.status).toBe(200);
      expect(res.body.components.securitySchemes.bearer).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      const login = res.body.paths['/api/auth/login'].post;
      expect(login.requestBody.content['application/json'].schema.$ref).toBe(
        '#/components/schemas/LoginDto',
      );
      expect(login.responses['200'].content['application/json'].schema.$ref).toBe(
        '#/components/schemas/LoginResponseDto',
      );
      expect(res.body.paths['/api/auth/verify'].post.security).toEqual([{ bearer: [] }]);
    });

    it('documents every operation with a summary and a typed success response', async () => {
      const { body } = await t.request('GET', '/api/docs-json');
      const operations = Object.entries(body.paths).flatMap(([path, methods]) =>
        Object.entries(methods as Record<string, any>).map(([method, op]) => ({
          path,
          method,
          op,
        })),
      );
      expect(operations.length).toBeGreaterThan(5);
      for (const { path, method, op } of operations) {
        const where = `${method.toUpperCase()} ${path}`;
        expect([where, typeof op.summary]).toEqual([where, 'string']);
        const success = Object.entries(op.responses).find(([code]) => code.startsWith('2'));
        expect([
          where,
          success && Object.keys((success[1] as any).content ?? {}).length > 0,
        ]).toEqual([where, true]);
        const writes =
          ['post', 'put', 'patch', 'delete'].includes(method) && !/auth\/login|\/pick$/.test(path);
        if (writes) expect([where, op.security]).toEqual([where, [{ bearer: [] }]]);
      }
    });
  });
});

describe('CORS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ corsOrigins: ['http://overlay.example'] });
  });
  afterAll(() => t.close());

  it('answers a preflight from an allowed origin and exposes the paging header', async () => {
    const res = await t.request('OPTIONS', '/api/votes/live', {
      headers: {
        origin: 'http://overlay.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://overlay.example');
    const get = await t.request('GET', '/api/sessions', {
      headers: { origin: 'http://overlay.example' },
    });
    expect(get.headers.get('access-control-expose-headers')).toContain('X-Total-Count');
  });

  it('allows every method the API uses, with the request headers it reads', async () => {
    const { body: document } = await t.request('GET', '/api/docs-json');
    const methods = new Set(
      Object.values(document.paths as Record<string, object>).flatMap((operations) =>
        Object.keys(operations).map((method) => method.toUpperCase()),
      ),
    );
    expect([...methods].sort()).toEqual(['DELETE', 'GET', 'PATCH', 'POST', 'PUT']);
    for (const method of [...methods, 'HEAD']) {
      const res = await t.request('OPTIONS', '/api/games/1', {
        headers: {
          origin: 'http://overlay.example',
          'access-control-request-method': method,
          'access-control-request-headers': 'authorization,content-type,x-request-id',
        },
      });
      expect([method, res.status]).toEqual([method, 204]);
      expect([method, res.headers.get('access-control-allow-methods')?.split(/,\s*/)]).toEqual([
        method,
        expect.arrayContaining([method]),
      ]);
      const headers = res.headers.get('access-control-allow-headers')?.toLowerCase().split(/,\s*/);
      expect(headers).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'x-request-id']),
      );
    }
  });

  it('lets the browser read a 401 sent before the body was read', async () => {
    const res = await t.request('PUT', '/api/games/1', {
      body: { title: 'x' },
      headers: { origin: 'http://overlay.example' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://overlay.example');
  });

  it('gives other origins no CORS headers', async () => {
    const res = await t.request('GET', '/health', { headers: { origin: 'http://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
