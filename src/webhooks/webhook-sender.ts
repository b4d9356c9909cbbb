import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import type { Metrics } from '../metrics/metrics';
import { refusedAddress, type AddressPolicy } from './address-policy';

export interface SendResult {
  statusCode?: number;
  durationMs: number;
  /** At most 1 KB of the response body. */
  responseBody?: string;
  error?: string;
  retryAfter?: string;
}

const MAX_LOGGED_BODY = 1024;

/** A refusal raised inside the connect path, so it is reported as the attempt's error. */
class RefusedAddressError extends Error {}

/**
 * Posts webhook bodies. The address policy is checked on the address each connection actually
 * uses (DNS answers included), redirects are never followed, and every attempt is bounded by
 * the timeout from connect to the last body byte.
 */
export class WebhookSender {
  private readonly agent: Agent;

  constructor(
    private readonly policy: AddressPolicy,
    private readonly timeoutMs: number,
    /** Connections per receiver: as many as sends to one webhook may be in flight. */
    connections = 4,
    private readonly metrics?: Metrics,
  ) {
    const guardedLookup: LookupFunction = (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) return callback(error, '', 4);
        const list = addresses as unknown as { address: string; family: number }[];
        for (const { address } of list) {
          const refused = refusedAddress(address, hostname, this.policy);
          if (refused) return callback(new RefusedAddressError(refused), '', 4);
        }
        if (options.all) {
          return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
        }
        return callback(null, list[0].address, list[0].family);
      });
    };
    this.agent = new Agent({
      connect: { lookup: guardedLookup, timeout: timeoutMs },
      keepAliveTimeout: 4_000,
      connections,
    });
  }

  async send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const result = await this.post(url, headers, body);
    this.metrics?.webhookSent(result);
    return result;
  }

  private async post(
    url: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const { hostname } = new URL(url);
    const host = hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const refused = refusedAddress(host, host, this.policy);
      if (refused) return { durationMs: 0, error: refused };
    }
    try {
      const response = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent, // no redirect interceptor: a 3xx is an answer, never followed
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const responseBody = await readCapped(response.body);
      const retryAfter = response.headers['retry-after'];
      return {
        statusCode: response.statusCode,
        durationMs: elapsed(),
        responseBody,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        error:
          response.statusCode >= 300 && response.statusCode < 400
            ? `redirect to ${String(response.headers.location ?? '?')} not followed`
            : undefined,
      };
    } catch (error) {
      return { durationMs: elapsed(), error: describe(error, this.timeoutMs) };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

async function readCapped(stream: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_LOGGED_BODY) {
      stream.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_LOGGED_BODY).toString('utf8');
}

function describe(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; code?: string; message?: string; cause?: unknown };
  let inner: unknown = e;
  while (inner && !(inner instanceof RefusedAddressError) && (inner as { cause?: unknown }).cause) {
    inner = (inner as { cause?: unknown }).cause;
  }
  if (inner instanceof RefusedAddressError) return inner.message;
  if (
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e.code === 'UND_ERR_BODY_TIMEOUT' ||
    e.code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return `timed out after ${timeoutMs} ms`;
  }
  return [e.code, e.message].filter(Boolean).join(': ') || 'request failed';
}
