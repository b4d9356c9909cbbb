import { createHmac } from 'node:crypto';

export const USER_AGENT = 'Jackbox-Game-Picker-Webhook/1.0';

/** The `X-Webhook-Signature` value bots verify: `sha256=` + hex HMAC-SHA256 of the exact body bytes. */
export function guideSignature(body: string, secret: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
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
  const key = secret.startsWith('whsec_')
    ? Buffer.from(secret.slice(6), 'base64')
    : Buffer.from(secret, 'utf8');
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
}): Record<string, string> {
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
 * A delivery's body: `{event, timestamp, data}` exactly as JSON.stringify writes it, the bytes
 * that are signed and sent; a test send adds `test: true`.
 */
export function deliveryBody(
  event: string,
  timestamp: Date,
  data: unknown,
  mark: { test?: true } = {},
): string {
  return JSON.stringify({ event, timestamp: timestamp.toISOString(), data, ...mark });
}
