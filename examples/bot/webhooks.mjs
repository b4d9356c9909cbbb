// @ts-check
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

/**
 * The bot's webhook endpoint. Every delivery carries two signatures of the same body, and this
 * receiver requires both:
 *
 * - `X-Webhook-Signature: sha256=<hex>`: HMAC-SHA256 of the raw body under the secret;
 * - `webhook-signature: v1,<base64>` (Standard Webhooks): HMAC-SHA256 of
 *   `<webhook-id>.<webhook-timestamp>.<body>`, whose timestamp must be recent, which stops a
 *   captured delivery from being replayed later. The key is the secret's bytes, or for a
 *   generated `whsec_` secret the bytes of the base64 after the prefix.
 *
 * A repeated `webhook-id` (a delivery retried after its answer was lost) is answered 200 and
 * not announced again.
 */

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * @param {string} a
 * @param {string} b
 */
function sameText(a, b) {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * @param {string | undefined} header `X-Webhook-Signature`
 * @param {Buffer} body the raw body, as received
 * @param {string} secret
 */
export function verifyHexSignature(header, body, secret) {
  if (!header?.startsWith('sha256=')) return false;
  const expected = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
  return sameText(header, expected);
}

/**
 * @param {{ id?: string, timestamp?: string, signature?: string }} headers the `webhook-*` headers
 * @param {Buffer} body the raw body
 * @param {string} secret
 * @param {{ nowSeconds: number, toleranceSeconds: number }} clock
 * @returns {string | undefined} why the delivery is refused, or undefined when it verifies
 */
export function standardSignatureProblem(headers, body, secret, clock) {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) {
    return 'webhook-id, webhook-timestamp or webhook-signature missing';
  }
  const sentAt = Number(timestamp);
  if (!Number.isInteger(sentAt)) return 'webhook-timestamp is not Unix seconds';
  if (Math.abs(clock.nowSeconds - sentAt) > clock.toleranceSeconds) {
    return 'webhook-timestamp too old or too far ahead';
  }
  const key = secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
  const expected =
    'v1,' + createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  // The header may list several signatures, space-separated (for example during a key change).
  const matches = signature.split(' ').some((candidate) => sameText(candidate, expected));
  return matches ? undefined : 'webhook-signature does not match';
}

/**
 * @typedef {object} ReceiverOptions
 * @property {string} host
 * @property {number} port 0 for any free port
 * @property {string} secret the webhook's secret
 * @property {number} toleranceSeconds how old a `webhook-timestamp` may be
 * @property {(delivery: { id: string, event: string, data: unknown, test: boolean }) => void} onDelivery
 * @property {(line: string) => void} log
 */

/**
 * @param {ReceiverOptions} options
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function startWebhookReceiver(options) {
  /** webhook-ids already handled, oldest first (a bounded memory of recent deliveries). */
  const handled = new Set();
  const server = http.createServer((request, response) => {
    const answer = (/** @type {number} */ status, /** @type {string} */ text) =>
      response.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    if (request.method !== 'POST') return answer(405, 'POST only');
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    request.on('data', (/** @type {Buffer} */ chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const header = (/** @type {string} */ name) => {
        const value = request.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      const refusal = !verifyHexSignature(header('x-webhook-signature'), body, options.secret)
        ? 'X-Webhook-Signature does not match'
        : standardSignatureProblem(
            {
              id: header('webhook-id'),
              timestamp: header('webhook-timestamp'),
              signature: header('webhook-signature'),
            },
            body,
            options.secret,
            {
              nowSeconds: Math.floor(Date.now() / 1000),
              toleranceSeconds: options.toleranceSeconds,
            },
          );
      if (refusal) {
        options.log(`webhook refused: ${refusal}`);
        return answer(401, refusal);
      }
      const id = /** @type {string} */ (header('webhook-id'));
      if (handled.has(id)) return answer(200, 'already handled');
      /** @type {{ event?: unknown, data?: unknown, test?: unknown }} */
      let delivery;
      try {
        const parsed = /** @type {unknown} */ (JSON.parse(body.toString('utf8')));
        delivery = /** @type {typeof delivery} */ (parsed);
      } catch {
        return answer(400, 'body is not JSON');
      }
      handled.add(id);
      if (handled.size > 10_000) handled.delete(handled.values().next().value);
      options.onDelivery({
        id,
        event: String(delivery.event),
        data: delivery.data,
        test: delivery.test === true,
      });
      answer(200, 'OK');
    });
  });
  await new Promise((resolve) =>
    server.listen(options.port, options.host, () => resolve(undefined)),
  );
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://${options.host}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
