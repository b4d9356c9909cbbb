import { Type, type TSchema } from '@sinclair/typebox';
import {
  EVENT_REGISTRY,
  EVENT_TYPES,
  LIVE_MESSAGE_REGISTRY,
  type EventDefinition,
  type EventPayloads,
} from '../events/event-types';
import {
  CLIENT_MESSAGE_TYPES,
  CLIENT_MESSAGES,
  CLOSE_CODE_MEANINGS,
  DROPPED_CONNECTION,
  LIVE_PATH,
  liveEventSchema,
  liveOnlySchema,
  SERVER_MESSAGES,
  type ClientMessageDefinition,
  type ServerMessageDefinition,
} from '../live/live-protocol';
import {
  deliveryBody,
  deliveryBodySchema,
  deliveryHeaders,
  DeliveryHeaders,
} from '../webhooks/webhook-signing';

/**
 * The AsyncAPI 3 document of everything that is not request/response: the WebSocket at
 * /api/sessions/live and the webhook deliveries. Built from the code's own definitions (the
 * event registry, the WebSocket protocol, the delivery headers and body), never written by hand:
 * served at /api/asyncapi.json, committed as docs/asyncapi.json (`npm run docs:asyncapi`), and a
 * test fails when the two differ.
 *
 * Operations are described from the API's side: it receives what bots send on the WebSocket,
 * and sends events there and to webhooks.
 */

type Json = Record<string, unknown>;

export const ASYNCAPI_JSON_PATH = '/api/asyncapi.json';
export const ASYNCAPI_PAGE_PATH = '/api/asyncapi';

/** JSON Schema as it goes on the wire: TypeBox's own (symbol) keys dropped. */
const plain = (schema: TSchema): Json => JSON.parse(JSON.stringify(schema)) as Json;

const ref = (path: string) => ({ $ref: `#/${path}` });
/** An event's `data`: its payload schema, shared by the WebSocket and webhook messages. */
const dataRef = (type: string) => Type.Unsafe(ref(`components/schemas/${type}`));

/** `session-game.updated` → `SessionGameUpdated`: operation ids from event names. */
const pascal = (name: string) =>
  name
    .split(/[.\-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

const AUDIENCE = {
  authenticated: 'Sent to every authenticated socket.',
  session: "Sent to the session's subscribers, in commit order, once each.",
};

/** A worked example of both signatures, computed by the code that signs real deliveries. */
function signingExample(): string {
  // The base64 of "an example webhook key!!": an example, never a real webhook's secret.
  const secret = 'whsec_YW4gZXhhbXBsZSB3ZWJob29rIGtleSEh';
  const data: EventPayloads['session.ended'] = {
    session: { id: 12, is_active: false, games_played: 5 },
  };
  const body = deliveryBody('session.ended', new Date('2025-11-28T20:34:56.000Z'), data);
  const headers = deliveryHeaders({
    deliveryId: 42,
    eventType: 'session.ended',
    body,
    secret,
    now: new Date('2025-11-28T20:35:00.000Z'),
  });
  return [
    'A worked example, to test a verifier against. Secret `' + secret + '`, raw body:',
    '',
    '```',
    body,
    '```',
    '',
    'Headers:',
    '',
    '```',
    ...(
      ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-webhook-signature'] as const
    ).map((name) => `${name}: ${headers[name]}`),
    '```',
  ].join('\n');
}

const LIVE_DESCRIPTION = [
  `Connect to \`${LIVE_PATH}\` on the HTTP port (\`wss://\` behind TLS). Every frame is a JSON object with a string \`type\`.`,
  '',
  '1. Send `auth` with a token from `POST /api/auth/login` within `WS_AUTH_TIMEOUT_MS` (10 s by default). Before it, only `ping` is answered; anything else gets `error`.',
  "2. Authenticated sockets receive `session.started`. Send `subscribe` with a `sessionId` for that session's events (`subscribed` confirms it).",
  '3. Events arrive as `{"type", "id", "timestamp", "data"}`. Keep the last `id`: after a reconnect, `subscribe` with it as `lastEventId` replays what was missed, in commit order, with no gap and no duplicate. Ids are unique but need not increase; compare them for equality only.',
  '4. `game.status` is live only: no `id`, never stored or replayed.',
  '',
  'Limits: frames up to 64 KiB; `WS_MESSAGES_PER_10S` messages (100 by default) per 10 seconds. The server sends protocol pings every `WS_HEARTBEAT_MS` (30 s by default); WebSocket libraries answer them by themselves, echoing their data, which is how the server knows what the bot has read.',
  '',
  '**Close codes**',
  '',
  '| Code | Meaning |',
  '| --- | --- |',
  ...Object.entries(CLOSE_CODE_MEANINGS).map(([code, meaning]) => `| ${code} | ${meaning} |`),
  `| 1006 | ${DROPPED_CONNECTION} |`,
].join('\n');

const WEBHOOK_DESCRIPTION = [
  'Each event a webhook subscribes to (`POST /api/webhooks`, `events`) is sent as `POST <url>` with a JSON body `{"event", "timestamp", "data"}` (`data` as on the WebSocket), serialized exactly as `JSON.stringify` writes it.',
  '',
  'Answer 2xx to acknowledge. Anything else (a redirect is never followed, a timeout after `WEBHOOK_TIMEOUT_MS`, a connection error) is retried after about 10 s, 1 min, 5 min, 30 min, 2 h and 6 h, honouring `Retry-After`; `410 Gone` disables the webhook. Deliveries to one webhook may run in parallel and arrive out of order (order by `timestamp`), and at least once (drop repeats by `webhook-id`).',
  '',
  '**Signatures.** Every delivery carries two, over the raw body bytes; verify either:',
  '',
  '- `X-Webhook-Signature`: `sha256=` + hex HMAC-SHA256 of the body, keyed with the secret as given. Simple, but a captured delivery can be replayed.',
  '- `webhook-signature` (Standard Webhooks): `v1,` + base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the secret, or for a generated `whsec_...` secret with the bytes its base64 part decodes to, as Standard Webhooks libraries expect. Replay-safe: check that `webhook-timestamp` is recent (say, within 5 minutes), recompute, compare in constant time, and remember the `webhook-id`s already processed.',
  '',
  'Verify over the raw body, or over `JSON.stringify` of the parsed body: both give the same bytes.',
  '',
  signingExample(),
].join('\n');

function clientMessage(type: string, definition: ClientMessageDefinition): Json {
  return {
    name: type,
    title: type,
    summary: definition.summary,
    description: definition.description,
    contentType: 'application/json',
    payload: plain(definition.schema),
    examples: definition.examples.map((payload, index) => ({
      name: `${type}${index + 1}`,
      payload,
    })),
  };
}

function serverMessage(type: string, definition: ServerMessageDefinition): Json {
  return {
    name: type,
    title: type,
    summary: definition.summary,
    ...(definition.description ? { description: definition.description } : {}),
    contentType: 'application/json',
    payload: plain(definition.schema),
    examples: definition.examples.map((payload, index) => ({
      name: `${type}${index + 1}`,
      payload,
    })),
  };
}

function liveEvent(type: string, definition: EventDefinition, liveOnly: boolean): Json {
  const payload = plain((liveOnly ? liveOnlySchema : liveEventSchema)(type, dataRef(type)));
  return {
    name: type,
    title: type,
    summary: definition.description,
    description:
      AUDIENCE[definition.audience] +
      (liveOnly ? ' Live only: no `id`, not stored, not replayed, not sent to webhooks.' : '') +
      (definition.webhook && !liveOnly ? ' Webhooks can subscribe to it too.' : ''),
    contentType: 'application/json',
    payload,
  };
}

function webhookEvent(type: string, definition: EventDefinition): Json {
  const payload = plain(deliveryBodySchema(type, dataRef(type)));
  return {
    name: type,
    title: type,
    summary: definition.description,
    description: `\`POST <url>\` with \`x-webhook-event: ${type}\`.`,
    contentType: 'application/json',
    headers: ref('components/schemas/WebhookHeaders'),
    payload,
  };
}

export function buildAsyncApiDocument(): Json {
  const liveMessageTypes = Object.keys(
    LIVE_MESSAGE_REGISTRY,
  ) as (keyof typeof LIVE_MESSAGE_REGISTRY)[];
  const webhookTypes = EVENT_TYPES.filter((type) => EVENT_REGISTRY[type].webhook);
  const serverTypes = Object.keys(SERVER_MESSAGES) as (keyof typeof SERVER_MESSAGES)[];

  const schemas: Json = { WebhookHeaders: plain(DeliveryHeaders) };
  for (const type of EVENT_TYPES) schemas[type] = plain(EVENT_REGISTRY[type].payload);
  for (const type of liveMessageTypes) schemas[type] = plain(LIVE_MESSAGE_REGISTRY[type].payload);

  const messages: Json = {};
  for (const type of CLIENT_MESSAGE_TYPES) {
    messages[type] = clientMessage(type, CLIENT_MESSAGES[type]);
  }
  for (const type of serverTypes) messages[type] = serverMessage(type, SERVER_MESSAGES[type]);
  for (const type of EVENT_TYPES) {
    messages[`live.${type}`] = liveEvent(type, EVENT_REGISTRY[type], false);
  }
  for (const type of liveMessageTypes) {
    messages[`live.${type}`] = liveEvent(type, LIVE_MESSAGE_REGISTRY[type], true);
  }
  for (const type of webhookTypes) {
    messages[`webhook.${type}`] = webhookEvent(type, EVENT_REGISTRY[type]);
  }

  const liveChannelMessages: Json = {};
  for (const type of [...CLIENT_MESSAGE_TYPES, ...serverTypes]) {
    liveChannelMessages[type] = ref(`components/messages/${type}`);
  }
  for (const type of [...EVENT_TYPES, ...liveMessageTypes]) {
    liveChannelMessages[type] = ref(`components/messages/live.${type}`);
  }
  const webhookChannelMessages: Json = {};
  for (const type of webhookTypes) {
    webhookChannelMessages[type] = ref(`components/messages/webhook.${type}`);
  }

  const liveMessage = (type: string) => ref(`channels/live/messages/${type}`);
  const operations: Json = {};
  for (const type of CLIENT_MESSAGE_TYPES) {
    const definition = CLIENT_MESSAGES[type];
    operations[`receive${pascal(type)}`] = {
      action: 'receive',
      channel: ref('channels/live'),
      title: `Client sends ${type}`,
      summary: definition.summary,
      messages: [liveMessage(type)],
      reply: {
        channel: ref('channels/live'),
        messages: definition.replies.map(liveMessage),
      },
    };
  }
  operations.sendError = {
    action: 'send',
    channel: ref('channels/live'),
    title: 'Server sends error',
    summary: SERVER_MESSAGES.error.summary,
    description:
      'Also the answer to a frame that is not a known client message: malformed JSON, no string `type`, or an unknown type.',
    messages: [liveMessage('error')],
  };
  for (const type of EVENT_TYPES) {
    operations[`sendLive${pascal(type)}`] = {
      action: 'send',
      channel: ref('channels/live'),
      title: `WebSocket: ${type}`,
      summary: EVENT_REGISTRY[type].description,
      messages: [liveMessage(type)],
    };
  }
  for (const type of liveMessageTypes) {
    operations[`sendLive${pascal(type)}`] = {
      action: 'send',
      channel: ref('channels/live'),
      title: `WebSocket: ${type}`,
      summary: LIVE_MESSAGE_REGISTRY[type].description,
      messages: [liveMessage(type)],
    };
  }
  for (const type of webhookTypes) {
    operations[`sendWebhook${pascal(type)}`] = {
      action: 'send',
      channel: ref('channels/webhook'),
      title: `Webhook: ${type}`,
      summary: EVENT_REGISTRY[type].description,
      messages: [ref(`channels/webhook/messages/${type}`)],
      bindings: { http: { method: 'POST', bindingVersion: '0.3.0' } },
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Jackbox Game Picker API: WebSocket and webhooks',
      version: '1.0',
      description: [
        'What the API sends and receives outside request/response: the live WebSocket that bots subscribe to, and the signed webhook deliveries. The REST API is described by the OpenAPI document at `/api/docs-json` (Swagger UI at `/api/docs`).',
        '',
        'Every event comes from one registry; the WebSocket sends each as `{"type", "id", "timestamp", "data"}`, webhooks as `{"event", "timestamp", "data"}`, with the same `data`.',
      ].join('\n'),
    },
    defaultContentType: 'application/json',
    servers: {
      api: {
        host: '{host}',
        protocol: 'ws',
        title: 'The API',
        description:
          "The API's own HTTP port; every instance serves the WebSocket. Use `wss` behind a TLS proxy.",
        variables: {
          host: { default: 'localhost:5000', description: "The API's host and port." },
        },
      },
      receiver: {
        host: '{receiverHost}',
        protocol: 'http',
        title: "A bot's webhook receiver",
        description:
          'The URL given when the webhook was created (`POST /api/webhooks`); `https` or `http`.',
        variables: {
          receiverHost: { default: 'bot.example', description: "The receiver's host." },
        },
      },
    },
    channels: {
      live: {
        address: LIVE_PATH,
        title: 'Live WebSocket',
        description: LIVE_DESCRIPTION,
        servers: [ref('servers/api')],
        messages: liveChannelMessages,
        bindings: { ws: { method: 'GET', bindingVersion: '0.1.0' } },
      },
      webhook: {
        address: null,
        title: 'Webhook deliveries',
        description: WEBHOOK_DESCRIPTION,
        servers: [ref('servers/receiver')],
        messages: webhookChannelMessages,
      },
    },
    operations,
    components: { schemas, messages },
  };
}

/** docs/asyncapi.json's text: the document, two-space indented, with a final newline. */
export function asyncApiSnapshot(): string {
  return JSON.stringify(buildAsyncApiDocument(), null, 2) + '\n';
}
