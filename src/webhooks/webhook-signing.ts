import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/**
 * What a webhook delivery is on the wire: its headers, its body, both signatures. The AsyncAPI
 * document (src/asyncapi/) describes deliveries from the schemas here, and `deliveryHeaders` is
 * typed by `DeliveryHeaders`, so a header added to one must be added to the other.
 */

export const USER_AGENT = 'Jackbox-Game-Picker-Webhook/1.0';

const TIMESTAMP_DESCRIPTION =
  'Unix seconds of this attempt (new on every retry). Refuse deliveries older than a few minutes to stop replays.';
const ID_DESCRIPTION =
  '`msg_<delivery id>`: the same on every retry of a delivery; drop repeats by it (delivery is at least once).';

/** Every header a delivery carries, by its name on the wire (HTTP header names ignore case). */
export const DeliveryHeaders = Type.Object(
  {
    'content-type': Type.Literal('application/json'),
    'user-agent': Type.Literal(USER_AGENT),
    'x-webhook-event': Type.String({ description: "The event type, the body's `event`." }),
    'x-webhook-signature': Type.String({
      pattern: '^sha256=[0-9a-f]{64}$',
      description:
        '`sha256=` + lower-case hex HMAC-SHA256 of the raw body bytes, keyed with the secret as given (its UTF-8 bytes, `whsec_` prefix and all).',
    }),
    'x-webhook-id': Type.String({ pattern: '^msg_[0-9]+$', description: ID_DESCRIPTION }),
    'x-webhook-timestamp': Type.String({ pattern: '^[0-9]+$', description: TIMESTAMP_DESCRIPTION }),
    'webhook-id': Type.String({
      pattern: '^msg_[0-9]+$',
      description: 'Standard Webhooks name of `x-webhook-id` (same value).',
    }),
    'webhook-timestamp': Type.String({
      pattern: '^[0-9]+$',
      description: 'Standard Webhooks name of `x-webhook-timestamp` (same value).',
    }),
    'x-webhook-test': Type.Optional(
      Type.Literal('true', {
        description:
          'Only on a test send (`POST /api/webhooks/test/{id}`): a sample, not a real event. Its body has `test: true` too.',
      }),
    ),
    'webhook-signature': Type.String({
      pattern: '^v1,[A-Za-z0-9+/]+={0,2}$',
      description:
        "`v1,` + base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<raw body>` (Standard Webhooks). The key is the secret's UTF-8 bytes, or for a generated `whsec_...` secret the bytes its base64 part decodes to.",
    }),
  },
  { additionalProperties: false },
);
export type DeliveryHeaders = Static<typeof DeliveryHeaders>;

/** A delivery's body for an event with payload schema `data`. */
export function deliveryBodySchema(event: string, data: TSchema): TSchema {
  return Type.Object(
    {
      event: Type.Literal(event),
      timestamp: Type.String({
        format: 'date-time',
        description: 'When the event was recorded (the same on every retry).',
      }),
      data,
      test: Type.Optional(
        Type.Literal(true, {
          description:
            'Only on a test send: a sample payload, not a real event. Do not announce it.',
        }),
      ),
    },
    { additionalProperties: false },
  );
}

/** A secret's two HMAC keys (see the signatures below), each made once rather than per send. */
interface SigningKeys {
  guide: KeyObject;
  standard: KeyObject;
}
const signingKeys = new Map<string, SigningKeys>();

function keysOf(secret: string): SigningKeys {
  let keys = signingKeys.get(secret);
  if (!keys) {
    // Secrets are few (one per webhook); the bound only keeps rotated ones from piling up.
    if (signingKeys.size >= 1000) signingKeys.clear();
    const utf8 = Buffer.from(secret, 'utf8');
    keys = {
      guide: createSecretKey(utf8),
      standard: createSecretKey(
        secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : utf8,
      ),
    };
    signingKeys.set(secret, keys);
  }
  return keys;
}

/** The `X-Webhook-Signature` value bots verify: `sha256=` + hex HMAC-SHA256 of the exact body bytes. */
export function guideSignature(body: string, secret: string): string {
  return 'sha256=' + createHmac('sha256', keysOf(secret).guide).update(body).digest('hex');
}

/**
 * The Standard Webhooks signature (standardwebhooks.com): `v1,` + base64 HMAC-SHA256 of
 * `<id>.<timestamp>.<body>`. The key is the secret's bytes, or for a `whsec_` secret the
 * base64 it carries, as that specification's libraries expect.
 */
export function standardSignature(
  id: string,
  timestamp: number,
  body: string,
  secret: string,
): string {
  const key = keysOf(secret).standard;
  return 'v1,' + createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** Every header a delivery carries. The ids stay the same on every retry of a delivery. */
export function deliveryHeaders(args: {
  deliveryId: number;
  eventType: string;
  body: string;
  secret: string;
  now: Date;
  /** A test send (`POST /api/webhooks/test/:id`), not a real event. */
  test?: boolean;
}): DeliveryHeaders {
  const id = `msg_${args.deliveryId}`;
  const timestamp = Math.floor(args.now.getTime() / 1000);
  return {
    ...(args.test ? { 'x-webhook-test': 'true' } : {}),
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'x-webhook-event': args.eventType,
    'x-webhook-signature': guideSignature(args.body, args.secret),
    'x-webhook-id': id,
    'x-webhook-timestamp': String(timestamp),
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': standardSignature(id, timestamp, args.body, args.secret),
  };
}

/**
 * A delivery's body (see `deliveryBodySchema`): `{event, timestamp, data}` exactly as
 * JSON.stringify writes it, the bytes that are signed and sent; a test send adds `test: true`.
 * `timestamp` may come as its ISO text already (as the worker's statements read it).
 */
export function deliveryBody(
  event: string,
  timestamp: Date | string,
  data: unknown,
  mark: { test?: true } = {},
): string {
  const time = typeof timestamp === 'string' ? timestamp : timestamp.toISOString();
  return JSON.stringify({ event, timestamp: time, data, ...mark });
}
