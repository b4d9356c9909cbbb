import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
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
 * Cuts one send short. Not an AbortSignal (one with its own timer was a tenth of the worker's
 * time under load) nor an EventEmitter: a send has one reader to tell.
 */
export class Cancel {
  aborted = false;
  reason?: Error;
  /** Told once, on the first abort. */
  onAbort?: () => void;

  abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.onAbort?.();
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
  private readonly targets = new Map<string, Target>();

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

  private post(
    url: string,
    headers: Record<string, string>,
    body: string,
    cancel: Cancel,
  ): Promise<SendResult> {
    const target = this.target(url);
    if (target.refused) return Promise.resolve({ durationMs: 0, error: target.refused });
    this.watch(cancel);
    return new Promise<SendResult>((resolve) => {
      const response = new ResponseReader(cancel, this.timeoutMs, resolve);
      try {
        // The handler API rather than request(): request() makes a response stream, a handler
        // and an async resource for every send, half as much again as the whole send costs now.
        this.agent.dispatch(
          {
            origin: target.origin,
            path: target.path,
            method: 'POST',
            headers,
            body,
            // no redirect interceptor: a 3xx is an answer, never followed
            headersTimeout: this.timeoutMs,
            bodyTimeout: this.timeoutMs,
          },
          response,
        );
      } catch (error) {
        response.onResponseError(undefined, error as Error);
      }
    }).finally(() => this.deadlines.delete(cancel));
  }

  /**
   * Where a URL points and, for a host that is an IP address, the policy's refusal (DNS
   * answers are checked on connect). Remembered per URL: parsing it on every send cost as
   * much as a tenth of the sender's own work under load, and the policy never changes.
   */
  private target(url: string): Target {
    let target = this.targets.get(url);
    if (target) return target;
    const parsed = new URL(url);
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    target = {
      origin: parsed.origin,
      path: `${parsed.pathname}${parsed.search}`,
      refused: isIP(host) ? refusedAddress(host, host, this.policy) : undefined,
    };
    if (this.targets.size >= 1_000) this.targets.clear();
    this.targets.set(url, target);
    return target;
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

interface Target {
  origin: string;
  /** Path and query, as the request line carries them. */
  path: string;
  refused?: string;
}

/**
 * Reads one response: its status, the headers the worker uses, and the start of its body, at
 * most MAX_LOGGED_BODY bytes (the rest is not read: the connection is dropped). Settles once:
 * on the end of the response, on its first error, or at once when the send is cancelled (a
 * request still waiting for a connection is dropped when it gets one).
 */
class ResponseReader implements Dispatcher.DispatchHandler {
  private readonly started = performance.now();
  private controller?: Dispatcher.DispatchController;
  private statusCode?: number;
  private headers?: IncomingHttpHeaders;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;
  private readonly cancelled = () => {
    const reason = this.cancel.reason!;
    this.controller?.abort(reason);
    this.onResponseError(undefined, reason);
  };

  constructor(
    private readonly cancel: Cancel,
    private readonly timeoutMs: number,
    private readonly resolve: (result: SendResult) => void,
  ) {
    if (cancel.aborted) this.cancelled();
    else cancel.onAbort = this.cancelled;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(this.cancel.reason ?? new Error('cancelled'));
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return; // informational: the answer is still to come
    this.statusCode = statusCode;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size >= MAX_LOGGED_BODY) {
      this.answered();
      controller.abort(new Error('response body past what is logged'));
    }
  }

  onResponseEnd(): void {
    this.answered();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.settle({ durationMs: this.elapsed(), error: describe(error, this.timeoutMs) });
  }

  private answered(): void {
    const statusCode = this.statusCode!;
    const headers = this.headers ?? {};
    // A header sent twice comes as a list.
    const retryAfter: string | string[] | undefined = headers['retry-after'];
    this.settle({
      statusCode,
      durationMs: this.elapsed(),
      // PostgreSQL text cannot hold NUL: one in the logged body would fail the statement that
      // logs the attempt, so it is written as U+FFFD, like any other byte that is not text.
      responseBody: Buffer.concat(this.chunks)
        .subarray(0, MAX_LOGGED_BODY)
        .toString('utf8')
        .replace(/\0/g, '\uFFFD'),
      retryAfter: typeof retryAfter === 'string' ? retryAfter : retryAfter?.[0],
      error:
        statusCode >= 300 && statusCode < 400
          ? `redirect to ${String(headers.location ?? '?').slice(0, 200)} not followed`
          : undefined,
    });
  }

  private settle(result: SendResult): void {
    if (this.settled) return;
    this.settled = true;
    this.cancel.onAbort = undefined;
    this.resolve(result);
  }

  private elapsed(): number {
    return Math.round(performance.now() - this.started);
  }
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
