import { DiagnosticSeverity, Parser, type Diagnostic } from '@asyncapi/parser';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { MESSAGE_METADATA } from '@nestjs/websockets/constants';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EVENT_REGISTRY, EVENT_TYPES, LIVE_MESSAGE_REGISTRY } from '../events/event-types';
import {
  CLIENT_MESSAGE_TYPES,
  CLIENT_MESSAGES,
  CloseCode,
  MALFORMED,
  SERVER_MESSAGES,
  UNKNOWN,
} from '../live/live-protocol';
import { LiveGateway } from '../live/live.gateway';
import {
  deliveryBody,
  deliveryBodySchema,
  deliveryHeaders,
  DeliveryHeaders,
} from '../webhooks/webhook-signing';
import { asyncApiSnapshot, buildAsyncApiDocument } from './asyncapi-document';

FormatRegistry.Set('date-time', (value) => !isNaN(Date.parse(value)));

const SNAPSHOT = path.resolve(__dirname, '..', '..', 'docs', 'asyncapi.json');
const document = buildAsyncApiDocument() as any;

/**
 * Diagnostics that are not errors and are kept on purpose, with why. A new warning fails the
 * test: fix the document, or list it here with its reason.
 */
const ACCEPTED = new Map([
  [
    'asyncapi-latest-version',
    'The document stays on AsyncAPI 3.0.0, the version the renderer and most tools read.',
  ],
]);

/** 'Error', 'Warning', 'Information' or 'Hint'. */
const level = (d: Diagnostic): string => DiagnosticSeverity[d.severity as number];
const describeDiagnostic = (d: Diagnostic) =>
  `${level(d)} ${d.code} at ${d.path.join('.') || '(root)'}: ${d.message}`;

describe('the AsyncAPI document', () => {
  it('is the committed docs/asyncapi.json (run `npm run docs:asyncapi` after changing an event or a message)', () => {
    expect(asyncApiSnapshot()).toBe(readFileSync(SNAPSHOT, 'utf8'));
  });

  it('passes @asyncapi/parser with no errors and no warnings but the accepted ones', async () => {
    const diagnostics = await new Parser().validate(asyncApiSnapshot());
    const errors = diagnostics.filter((d) => level(d) === 'Error').map(describeDiagnostic);
    const unexpected = diagnostics
      .filter((d) => level(d) !== 'Error' && !ACCEPTED.has(String(d.code)))
      .map(describeDiagnostic);
    expect(errors).toEqual([]);
    expect(unexpected).toEqual([]);
  });

  it('is checked by a parser that does report a broken document', async () => {
    const broken = structuredClone(document);
    broken.operations.receiveAuth.messages = [{ $ref: '#/channels/live/messages/nothing' }];
    const diagnostics = await new Parser().validate(JSON.stringify(broken));
    expect(diagnostics.some((d) => level(d) === 'Error')).toBe(true);
  });

  it('has every registered event on the WebSocket, and the webhook ones as deliveries', () => {
    for (const type of EVENT_TYPES) {
      expect(document.components.schemas[type]).toEqual(
        JSON.parse(JSON.stringify(EVENT_REGISTRY[type].payload)),
      );
      expect(document.channels.live.messages[type]).toEqual({
        $ref: `#/components/messages/live.${type}`,
      });
      expect(document.components.messages[`live.${type}`].name).toBe(type);
      expect(document.channels.webhook.messages[type] !== undefined).toBe(
        EVENT_REGISTRY[type].webhook,
      );
    }
    for (const type of Object.keys(LIVE_MESSAGE_REGISTRY)) {
      expect(document.channels.live.messages[type]).toBeDefined();
      expect(document.channels.webhook.messages[type]).toBeUndefined();
    }
  });

  it('has an operation for every message of each channel', () => {
    const referenced = new Set<string>();
    for (const operation of Object.values<any>(document.operations)) {
      for (const message of [...operation.messages, ...(operation.reply?.messages ?? [])]) {
        referenced.add(message.$ref);
      }
    }
    for (const channel of ['live', 'webhook']) {
      for (const name of Object.keys(document.channels[channel].messages)) {
        expect(referenced).toContain(`#/channels/${channel}/messages/${name}`);
      }
    }
  });

  it('documents every close code the server uses', () => {
    for (const code of [...Object.values(CloseCode), 1006]) {
      expect(document.channels.live.description).toContain(`| ${code} |`);
    }
  });

  it('has examples that match their own schemas', () => {
    for (const definition of [
      ...Object.values(CLIENT_MESSAGES),
      ...Object.values(SERVER_MESSAGES),
    ]) {
      for (const example of definition.examples) {
        expect([...Value.Errors(definition.schema, example)].map((e) => e.message)).toEqual([]);
      }
    }
  });
});

describe('the WebSocket protocol', () => {
  it('has a gateway handler for every client message, and no undocumented one', () => {
    const prototype = LiveGateway.prototype as unknown as Record<string, unknown>;
    const handled = Object.getOwnPropertyNames(prototype)
      .map((name) => Reflect.getMetadata(MESSAGE_METADATA, prototype[name] as object) as unknown)
      .filter((message): message is string => typeof message === 'string');
    expect(handled.filter((m) => m !== MALFORMED && m !== UNKNOWN).sort()).toEqual(
      [...CLIENT_MESSAGE_TYPES].sort(),
    );
  });
});

describe('webhook deliveries', () => {
  const body = deliveryBody('vote.received', new Date(), {
    sessionId: 1,
    game: { id: 2, title: 'Fibbage 4', pack_name: 'The Jackbox Party Pack 9' },
    vote: { username: 'viewer', type: 'up', timestamp: '2025-11-28T20:34:56.000Z' },
    totals: { upvotes: 1, downvotes: 0, popularity_score: 1 },
  });

  it('carry exactly the documented headers (a test send all of them)', () => {
    const headers = deliveryHeaders({
      deliveryId: 7,
      eventType: 'vote.received',
      body,
      secret: 'whsec_YW4gZXhhbXBsZSB3ZWJob29rIGtleSEh',
      now: new Date(),
      test: true,
    });
    expect([...Value.Errors(DeliveryHeaders, headers)].map((e) => e.path)).toEqual([]);
    expect(Object.keys(headers).sort()).toEqual(
      Object.keys(document.components.schemas.WebhookHeaders.properties).sort(),
    );
  });

  it('have the documented body', () => {
    const schema = deliveryBodySchema('vote.received', EVENT_REGISTRY['vote.received'].payload);
    expect([...Value.Errors(schema, JSON.parse(body))].map((e) => e.path)).toEqual([]);
  });
});
