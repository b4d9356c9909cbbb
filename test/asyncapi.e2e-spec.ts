import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EVENT_REGISTRY, type EventType } from '../src/events/event-types';
import {
  CLIENT_MESSAGE_TYPES,
  liveEventSchema,
  SERVER_MESSAGES,
  type ServerMessageType,
} from '../src/live/live-protocol';
import { startTestApp, type TestApp } from './support/app';
import { addGame, createSession } from './support/factories';
import { openSocket, type TestSocket } from './support/ws';

FormatRegistry.Set(
  'date-time',
  (value) => /^\d{4}-\d{2}-\d{2}T/.test(value) && !isNaN(Date.parse(value)),
);

const snapshot = JSON.parse(
  readFileSync(path.resolve(__dirname, '..', 'docs', 'asyncapi.json'), 'utf8'),
);

/** Where a message departs from the schema it is documented with (none: it matches). */
const problems = (schema: TSchema, message: unknown) =>
  [...Value.Errors(schema, message)].map((e) => `${e.path} ${e.message}`);
const reply = (type: ServerMessageType) => SERVER_MESSAGES[type].schema;
const event = (type: EventType) => liveEventSchema(type, EVENT_REGISTRY[type].payload);

describe('the AsyncAPI document and its page', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves the committed document at /api/asyncapi.json, without a token', async () => {
    const response = await t.request('GET', '/api/asyncapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body).toEqual(snapshot);
  });

  it('serves a page whose every linked asset loads with its content type', async () => {
    const pageUrl = `${t.url}/api/asyncapi`;
    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const links = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    const expected: Record<string, RegExp> = {
      '.js': /^text\/javascript/,
      '.css': /^text\/css/,
      '.json': /^application\/json/,
    };
    // The stylesheet, the renderer bundle, the script that starts it, and the document link.
    expect(links.map((link) => path.extname(link)).sort()).toEqual(['.css', '.js', '.js', '.json']);
    for (const link of links) {
      const asset = await fetch(new URL(link, pageUrl));
      expect({ link, status: asset.status }).toEqual({ link, status: 200 });
      expect(asset.headers.get('content-type')).toMatch(expected[path.extname(link)]);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    // The render script loads the document from a URL relative to the page.
    const render = links.find((link) => link.endsWith('render.js'))!;
    const script = await (await fetch(new URL(render, pageUrl))).text();
    const documentUrl = /url: '([^']+)'/.exec(script)![1];
    const loaded = await fetch(new URL(documentUrl, pageUrl));
    expect(loaded.status).toBe(200);
    expect(await loaded.json()).toEqual(snapshot);
  });

  it('is linked from the OpenAPI description that Swagger UI shows', async () => {
    const openApi = await t.request('GET', '/api/docs-json');
    expect(openApi.body.info.description).toContain('](/api/asyncapi)');
  });
});

describe('the WebSocket sends what the document describes', () => {
  let t: TestApp;
  let socket: TestSocket;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    socket?.socket.close();
    await t.close();
  });

  it('replies and events match their schemas', async () => {
    const token = await t.login();
    socket = await openSocket(t.url);
    const answer = async (message: unknown, type: string) => {
      const before = socket.messages.length;
      socket.send(message);
      return socket.next((m) => socket.messages.indexOf(m) >= before && m.type === type);
    };

    expect(problems(reply('pong'), await answer({ type: 'ping' }, 'pong'))).toEqual([]);
    const early = await answer({ type: 'subscribe', sessionId: 1 }, 'error');
    expect(problems(reply('error'), early)).toEqual([]);
    const refused = await answer({ type: 'auth', token: 'not-a-token' }, 'auth_error');
    expect(problems(reply('auth_error'), refused)).toEqual([]);
    const accepted = await answer({ type: 'auth', token }, 'auth_success');
    expect(problems(reply('auth_success'), accepted)).toEqual([]);
    const unknown = await answer({ type: 'dance' }, 'error');
    for (const type of CLIENT_MESSAGE_TYPES) expect(unknown.message).toContain(type);
    expect(problems(reply('error'), await answer('{not json', 'error'))).toEqual([]);

    const session = await createSession(t, token);
    const started = await socket.next(
      (m) => m.type === 'session.started' && m.data.session.id === session.id,
    );
    expect(problems(event('session.started'), started)).toEqual([]);
    const subscribed = await answer({ type: 'subscribe', sessionId: session.id }, 'subscribed');
    expect(problems(reply('subscribed'), subscribed)).toEqual([]);
    await addGame(t, token, session.id, 'Fibbage 4');
    const added = await socket.next((m) => m.type === 'game.added');
    expect(problems(event('game.added'), added)).toEqual([]);
    const left = await answer({ type: 'unsubscribe', sessionId: session.id }, 'unsubscribed');
    expect(problems(reply('unsubscribed'), left)).toEqual([]);
  });
});
