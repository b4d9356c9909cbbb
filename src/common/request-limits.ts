import type { FastifyHttpOptions, FastifyInstance } from 'fastify';
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger as Pino } from 'pino';

/**
 * Server options that bound how long a client may take to send a request: its headers and
 * body must all arrive within `timeoutMs`, or it is answered 408 and its connection closed.
 * Only requests on their way count: an idle keep-alive connection, a slow handler or an
 * upgraded WebSocket is not affected.
 */
export function requestTimeouts(
  timeoutMs: number,
  logger: Pino,
): Pick<FastifyHttpOptions<Server>, 'requestTimeout' | 'http' | 'clientErrorHandler'> {
  return {
    requestTimeout: timeoutMs,
    http: {
      requestTimeout: timeoutMs,
      headersTimeout: timeoutMs,
      // Node looks for late requests every 30 s by default, which would triple a 10 s limit.
      connectionsCheckingInterval: Math.min(1_000, Math.max(10, Math.floor(timeoutMs / 4))),
    },
    clientErrorHandler: answerClientError(timeoutMs, logger),
  };
}

/** Answers what Node refuses before any route sees it (late, oversized or garbled requests). */
function answerClientError(timeoutMs: number, logger: Pino) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, message] =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, `Request timed out: headers and body must arrive within ${timeoutMs} ms`]
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request headers are too large']
          : [400, 'Malformed HTTP request'];
    logger.debug({ code: error.code, remoteAddress: socket.remoteAddress }, 'client error');
    // Nothing may follow a response already under way on this connection.
    const response = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !response?.headersSent) {
      const body = JSON.stringify({ error: message });
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
          'Content-Type: application/json; charset=utf-8\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  };
}

/**
 * An answer sent while the request's body is still arriving (a 401 before the body was read,
 * a 413 from its Content-Length) closes the connection: otherwise Node would go on receiving
 * the body only to discard it, for as long as the client cares to send it.
 */
export function closeUnfinishedRequests(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const { headers, complete } = request.raw;
    const hasBody =
      headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
    if (hasBody && !complete) void reply.header('connection', 'close');
    done(null, payload);
  });
}
