import jwt from 'jsonwebtoken';
import { ADMIN_KEY, JWT_SECRET, startTestApp, type TestApp } from './support/app';

describe('auth', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('POST /api/auth/login', () => {
    it('accepts the form {apiKey}', async () => {
      const res = await t.request('POST', '/api/auth/login', { body: { apiKey: ADMIN_KEY } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        token: expect.any(String),
        message: 'Authentication successful',
        expiresIn: '24h',
        name: 'Admin',
      });
      const header = JSON.parse(Buffer.from(res.body.token.split('.')[0], 'base64url').toString());
      expect(header.alg).toBe('HS256');
    });

    it('accepts the reference form {key}', async () => {
      const res = await t.request('POST', '/api/auth/login', { body: { key: ADMIN_KEY } });
      expect(res.status).toBe(200);
      expect(res.body.name).toBe('Admin');
    });

    it('refuses a wrong key with 401', async () => {
      const res = await t.request('POST', '/api/auth/login', { body: { apiKey: 'not-the-key' } });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'Invalid admin key' });
    });

    it('refuses a missing key with 400', async () => {
      const res = await t.request('POST', '/api/auth/login', { body: {} });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/key is required/i);
    });

    it('refuses a key of the wrong type with 400 naming the field', async () => {
      const res = await t.request('POST', '/api/auth/login', { body: { apiKey: 12345 } });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^apiKey must be a string/);
    });
  });

  describe('POST /api/auth/verify and the guard', () => {
    const verify = (token?: string, headers?: Record<string, string>) =>
      t.request('POST', '/api/auth/verify', { token, headers });

    it('answers valid with the claims for a good token', async () => {
      const res = await verify(await t.login());
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        valid: true,
        user: expect.objectContaining({
          role: 'admin',
          name: 'Admin',
          iat: expect.any(Number),
          exp: expect.any(Number),
        }),
      });
    });

    it('refuses a request without a token', async () => {
      const res = await verify();
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'Access token required' });
    });

    it('refuses a malformed Authorization header', async () => {
      const res = await verify(undefined, { authorization: 'Token abc' });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatch(/Bearer/);
    });

    it('refuses a garbage token', async () => {
      const res = await verify('not.a.jwt');
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'Invalid or expired token' });
    });

    it('refuses a token signed with another secret', async () => {
      const forged = jwt.sign(
        { role: 'admin', name: 'Admin' },
        'some-other-secret-that-is-long-enough!!',
        { algorithm: 'HS256' },
      );
      expect((await verify(forged)).status).toBe(401);
    });

    it('refuses an expired token', async () => {
      const expired = jwt.sign(
        { role: 'admin', name: 'Admin', exp: Math.floor(Date.now() / 1000) - 10 },
        JWT_SECRET,
        { algorithm: 'HS256' },
      );
      const res = await verify(expired);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('Invalid or expired token');
    });

    it('refuses alg: none', async () => {
      const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ role: 'admin', name: 'Admin', iat: Math.floor(Date.now() / 1000) })}.`;
      expect((await verify(unsigned)).status).toBe(401);
    });

    it('refuses another algorithm even with the right secret', async () => {
      const hs512 = jwt.sign({ role: 'admin', name: 'Admin' }, JWT_SECRET, { algorithm: 'HS512' });
      expect((await verify(hs512)).status).toBe(401);
    });

    it('refuses a correctly signed token without an admin name', async () => {
      const stale = jwt.sign({ role: 'admin' }, JWT_SECRET, { algorithm: 'HS256' });
      expect((await verify(stale)).status).toBe(401);
    });
  });
});

describe('login rate limit', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ loginRateLimit: { limit: 3, windowSeconds: 60 } });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After once a client exceeds the limit', async () => {
    const attempts = [];
    for (let i = 0; i < 5; i++) {
      attempts.push(
        await t.request('POST', '/api/auth/login', { body: { apiKey: 'wrong-key-guess' } }),
      );
    }
    const statuses = attempts.map((a) => a.status);
    const last = attempts[4];
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect(last.body.error).toMatch(/too many/i);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    // The right key is throttled as well: the limit is per client, not per key.
    expect(
      (await t.request('POST', '/api/auth/login', { body: { apiKey: ADMIN_KEY } })).status,
    ).toBe(429);
  });
});
