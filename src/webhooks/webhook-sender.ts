import { lookup as dnsLookup } from 'node:dns';
import { EventEmitter } from 'node:events';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { judgingInterval } from '../common/interval';
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

/**
 * Cuts one send short: the form of abort signal undici accepts that costs next to nothing to
 * make (an AbortSignal with its own timer was a tenth of the worker's time under load).
 */
export class Cancel extends EventEmitter {
  aborted = false;
  reason?: Error;

  abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

/** How often sends are checked against their deadline (the timeout's precision). */
const DEADLINE_CHECK_MS = 100;

/** A refusal raised inside the connect path, so it is reported as the attempt's error. */
class RefusedAddressError extends Error {}

/**
 * Posts webhook bodies. The address policy is checked on the address each connection actually
 * uses (DNS answers included), redirects are never followed, and every attempt is bounded by
 * the timeout from connect to the last body byte.
 */
export class WebhookSender {
  private readonly agent: Agent;
  /** Sends under way, with when each must be over. One timer checks them all. */
  private readonly deadlines = new Map<Cancel, number>();
  private deadlineTimer?: NodeJS.Timeout;
  /**
   * The policy's answer per URL for a literal address (the policy never changes): parsing the
   * URL on every send cost as much as a tenth of the sender's own work under load.
   */
  private readonly literalRefusals = new Map<string, string | undefined>();

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

  /** Posts `body`; `cancel` cuts the attempt short (it then fails like a timeout would). */
  async send(
    url: string,
    headers: Record<string, string>,
    body: string,
    cancel = new Cancel(),
  ): Promise<SendResult> {
    const result = await this.post(url, headers, body, cancel);
    this.metrics?.webhookSent(result);
    return result;
  }

  private async post(
    url: string,
    headers: Record<string, string>,
    body: string,
    cancel: Cancel,
  ): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const refused = this.refusedLiteral(url);
    if (refused) return { durationMs: 0, error: refused };
    this.watch(cancel);
    try {
      const response = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent, // no redirect interceptor: a 3xx is an answer, never followed
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: cancel,
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
    } finally {
      this.deadlines.delete(cancel);
    }
  }

  /** The policy's refusal of a URL whose host is an IP address (DNS answers are checked on connect). */
  private refusedLiteral(url: string): string | undefined {
    if (this.literalRefusals.has(url)) return this.literalRefusals.get(url);
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    const refused = isIP(host) ? refusedAddress(host, host, this.policy) : undefined;
    if (this.literalRefusals.size >= 1_000) this.literalRefusals.clear();
    this.literalRefusals.set(url, refused);
    return refused;
  }

  /** Bounds a send by the timeout, from now to its response's last byte. */
  private watch(cancel: Cancel): void {
    this.deadlines.set(cancel, performance.now() + this.timeoutMs);
    if (this.deadlineTimer) return;
    // Not on a late check: after a stall of this process, a response may sit unread.
    this.deadlineTimer = judgingInterval(Math.min(DEADLINE_CHECK_MS, this.timeoutMs), (late) => {
      const now = performance.now();
      if (!late) {
        for (const [sending, deadline] of this.deadlines) {
          if (deadline <= now) sending.abort(new TimeoutError());
        }
      }
      if (this.deadlines.size === 0) {
        clearInterval(this.deadlineTimer);
        this.deadlineTimer = undefined;
      }
    });
  }

  async close(): Promise<void> {
    clearInterval(this.deadlineTimer);
    await this.agent.close();
  }
}

/**
 * The start of a response body, at most MAX_LOGGED_BODY bytes; the rest is not read. Listens
 * for chunks rather than iterating the stream: the async iterator cost a send as much as the
 * HMAC signatures did.
 */
function readCapped(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).subarray(0, MAX_LOGGED_BODY).toString('utf8'));
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_LOGGED_BODY) {
        stream.destroy();
        done();
      }
    });
    stream.on('end', done);
    stream.on('error', reject);
  });
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
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
