import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import pino, { type Logger as Pino } from 'pino';
import type { LogLevel } from '../config/app-config';

const INCOMING_ID = /^[\w.:-]{1,64}$/;
/** Polled every few seconds by probes and scrapers: logged at debug. */
const QUIET_PATHS = new Set(['/health', '/api/health', '/metrics']);

/** A request id: the caller's `X-Request-Id` when it is sane, else a new one. */
export function requestId(req: { headers: IncomingMessage['headers'] }): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
}

/** The process's one logger: JSON lines on stdout. */
export function createLogger(level: LogLevel): Pino {
  return pino({
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    base: undefined,
    formatters: { level: (label) => ({ level: label }) },
  });
}

/**
 * Nest's own start-up chatter (every module, route and WebSocket message, about 70 lines):
 * debug, so a start at info says what matters (the database, migrations, where it listens).
 */
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
  'NestApplication',
]);

/**
 * Nest's log calls (start-up, services) into the same pino logger, so there is one format.
 * A message may be an object of fields, with the text after it, as pino takes them.
 */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Pino) {}

  private write(
    requested: 'error' | 'warn' | 'info' | 'debug' | 'trace',
    message: unknown,
    rest: unknown[],
  ) {
    const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
    const level =
      requested === 'info' && context !== undefined && FRAMEWORK_CONTEXTS.has(context)
        ? 'debug'
        : requested;
    if (typeof message === 'object' && message !== null) {
      const text = typeof rest[0] === 'string' && rest.length > 1 ? rest[0] : undefined;
      this.logger[level]({ context, ...message }, text ?? context ?? '');
    } else {
      this.logger[level]({ context }, String(message));
    }
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
}

/**
 * One line per request once it is answered, with its id (the `X-Request-Id` the client
 * sees), the path without its query (which can carry tokens in some clients), the status and
 * the time taken. Health checks and metrics scrapes log at debug: a probe every few seconds
 * would drown the rest.
 * Credentials and bodies are never logged.
 */
export function logRequests(fastify: FastifyInstance, logger: Pino): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const path = request.url.split('?')[0];
    const status = reply.statusCode;
    // A 503 is the database being unavailable: the outage has its own warning (see
    // DatabaseAvailability), so its requests are logged like answered ones, not once more each.
    const level =
      status >= 500 && status !== 503
        ? 'error'
        : status >= 400 && status !== 503
          ? 'warn'
          : QUIET_PATHS.has(path)
            ? 'debug'
            : 'info';
    if (logger.isLevelEnabled(level)) {
      logger[level](
        {
          reqId: request.id,
          method: request.method,
          url: path,
          statusCode: status,
          responseTime: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      );
    }
    done();
  });
}
