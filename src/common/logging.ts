import type { Params } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogLevel } from '../config/app-config';

const INCOMING_ID = /^[\w.:-]{1,64}$/;

/** A request id: the caller's `X-Request-Id` when it is sane, else a new one. */
export function requestId(req: { headers: IncomingMessage['headers'] }): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
}

/** Structured JSON logs with a request id on every line; credentials are never written. */
export function loggerOptions(level: LogLevel): Params {
  return {
    pinoHttp: {
      level,
      // Fastify assigned the id (see server.ts); log lines and the X-Request-Id header share it.
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const id = typeof req.id === 'string' ? req.id : requestId(req);
        res.setHeader('x-request-id', id);
        return id;
      },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-webhook-signature"]',
        ],
        censor: '[redacted]',
      },
      // Query strings can carry tokens in some clients; log the path only.
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url?.split('?')[0],
        }),
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    },
  };
}
