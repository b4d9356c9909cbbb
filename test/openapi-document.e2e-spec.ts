import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import {
  buildOfflineOpenApiDocument,
  formatOpenApiDocument,
} from '../src/openapi/offline-document';
import { startTestApp, type TestApp } from './support/app';
import {
  errorsWithoutExamples,
  missingDescriptions,
  operations,
  prefilledQueryParameters,
} from './support/openapi';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const SNAPSHOT = path.join(ROOT, 'docs/openapi.json');

describe('the OpenAPI document', () => {
  let t: TestApp;
  let served: any;

  beforeAll(async () => {
    t = await startTestApp();
    served = (await t.request('GET', '/api/docs-json')).body;
  });
  afterAll(() => t.close());

  it('is what docs/openapi.json holds (run `npm run docs:openapi` after changing the API)', async () => {
    const snapshot = await readFile(SNAPSHOT, 'utf8');
    expect(formatOpenApiDocument(served)).toBe(snapshot);
    // The snapshot is written without a database; that document must be the served one.
    expect(formatOpenApiDocument(await buildOfflineOpenApiDocument())).toBe(snapshot);
  });

  it('passes a validator with no error', async () => {
    await expect(SwaggerParser.validate(structuredClone(served))).resolves.toBeDefined();
  });

  it('generates TypeScript types with openapi-typescript, and they compile', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'openapi-ts-'));
    try {
      const out = path.join(dir, 'api.d.ts');
      const cli = path.join(ROOT, 'node_modules/openapi-typescript/bin/cli.js');
      await run(process.execPath, [cli, SNAPSHOT, '-o', out], { cwd: ROOT });
      const types = await readFile(out, 'utf8');
      expect(types).toContain('recordLiveVote');
      expect(types).toContain('ImportCsvJsonDto');
      const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
      await run(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', out]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('describes every operation, parameter, property, response and tag', () => {
    expect(missingDescriptions(served)).toEqual([]);
  });

  it('gives every {error} response an example of the body the server sends', () => {
    expect(errorsWithoutExamples(served)).toEqual([]);
  });

  it('prefills no list filter in "Try it out"', () => {
    expect(prefilledQueryParameters(served)).toEqual([]);
  });

  it('names operations after their controller methods, once each', () => {
    const ids = operations(served).map(({ operation }) => operation.operationId as string);
    expect(ids.filter((id) => !/^[a-z][a-zA-Z0-9]*$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['getHealth', 'getApiHealth', 'recordLiveVote']));
  });

  it('marks the bodies that may be left out as optional', () => {
    const body = (p: string, method = 'post') => served.paths[p][method].requestBody;
    expect(body('/api/pick').required).toBe(false);
    expect(body('/api/sessions').required).toBe(false);
    expect(body('/api/sessions/{id}/close').required).toBe(false);
    expect(body('/api/auth/login').required).toBe(true);
  });

  it('has "Try it out" examples that write nothing surprising', () => {
    const example = (p: string, method = 'post') =>
      Object.values<any>(
        served.paths[p][method].requestBody.content['application/json'].examples,
      )[0].value;
    expect(example('/api/votes/live')).not.toHaveProperty('ticker');
    expect(example('/api/sessions/{id}/games')).not.toHaveProperty('room_code');
    expect(new URL(example('/api/webhooks').url).hostname).toMatch(/\.invalid$/);
    for (const pick of Object.values<any>(
      served.paths['/api/pick'].post.requestBody.content['application/json'].examples,
    )) {
      expect(pick.value.pack !== undefined && pick.value.packs !== undefined).toBe(false);
    }
  });

  it('explains how to authenticate, and describes every tag', () => {
    expect(served.info.description).toMatch(/POST \/api\/auth\/login[\s\S]*Authorize/);
    expect(served.tags.map((tag: { name: string }) => tag.name)).toEqual(
      expect.arrayContaining(['auth', 'games', 'picker', 'sessions', 'votes', 'webhooks']),
    );
  });

  it('has Swagger UI keep the token across page reloads', async () => {
    const init = await t.request('GET', '/api/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.text).toMatch(/"persistAuthorization":\s*true/);
  });

  it('answers "Try it out" defaults on a fresh start with success or a meaningful error', async () => {
    const token = await t.login();
    const bodyExample = (p: string, method = 'post') =>
      Object.values<any>(
        served.paths[p][method].requestBody.content['application/json'].examples,
      )[0].value;
    const pick = await t.request('POST', '/api/pick', { body: bodyExample('/api/pick') });
    expect(pick.status).toBe(200);
    const games = await t.request('GET', '/api/games');
    expect(games.body.length).toBeGreaterThan(20);
    const vote = await t.request('POST', '/api/votes/live', {
      token,
      body: bodyExample('/api/votes/live'),
    });
    expect(vote.body).toEqual({
      error: 'No active session: votes can only be recorded while a session is running',
    });
    const webhook = await t.request('POST', '/api/webhooks', {
      token,
      body: bodyExample('/api/webhooks'),
    });
    expect(webhook.status).toBe(400);
    expect(webhook.body.error).toMatch(/reserved example name/);
    expect((await t.request('GET', '/api/webhooks', { token })).body).toEqual([]);
  });
});
