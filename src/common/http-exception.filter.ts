import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DatabaseAvailability } from '../database/database-availability';
import { ApiError } from './api-error';
import { isDatabaseUnavailable } from './database-errors';

/** How soon a client should try again after a 503 (the database restarting takes seconds). */
export const RETRY_AFTER_SECONDS = 5;
export const DATABASE_UNAVAILABLE_MESSAGE =
  'The database is unavailable right now; try again in a few seconds';

interface FastifyError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/** Messages for errors Fastify raises before a route handler runs. */
const FASTIFY_ERRORS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
};

/**
 * What of an unexpected error may be logged: never a database error's parameters or row
 * detail, which can hold secrets or tokens.
 */
function loggable(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, constraint } =
    (error as { driverError?: { code?: string; constraint?: string } }).driverError ?? {};
  return { type: error.name, message: error.message, code, constraint, stack: error.stack };
}

function messageOf(response: string | object): string {
  if (typeof response === 'string') return response;
  const { message, error } = response as { message?: unknown; error?: unknown };
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') return message;
  if (typeof error === 'string') return error;
  return 'Request failed';
}

/**
 * Answers every error as `{"error": "..."}`. Client mistakes keep their 4xx status and a
 * message a bot author can act on; the database being unavailable is a 503 with Retry-After,
 * logged once per outage (see DatabaseAvailability); anything else unexpected is logged with
 * the request id and answered with a bare 500, so no stack trace or internal detail ever
 * reaches a client.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  constructor(private readonly database: Pick<DatabaseAvailability, 'failed'>) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    sendError(exception, request, reply, this.logger, this.database);
  }
}

/** Answers an error as the filter does; for routes Nest does not handle (the live vote). */
export function sendError(
  exception: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Pick<Logger, 'error'>,
  database: Pick<DatabaseAvailability, 'failed'>,
): void {
  if (isDatabaseUnavailable(exception)) {
    database.failed(exception);
    void reply
      .status(HttpStatus.SERVICE_UNAVAILABLE)
      .header('retry-after', String(RETRY_AFTER_SECONDS))
      .header('content-type', 'application/json; charset=utf-8')
      .send({ error: DATABASE_UNAVAILABLE_MESSAGE });
    return;
  }
  const { status, message } = describeError(exception, request);
  const details = exception instanceof ApiError && status < 500 ? exception.details : {};
  if (status >= 500 && status !== 503) {
    logger.error(
      { err: loggable(exception), requestId: request.id, method: request.method, url: request.url },
      'unhandled error',
    );
  }
  void reply
    .status(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send({ error: message, ...details });
}

/** Each route has its own body limit (a chat import's is larger, an anonymous route's smaller). */
function tooLarge(request: FastifyRequest): string {
  const limit = (request.routeOptions as { bodyLimit?: number } | undefined)?.bodyLimit;
  if (!limit) return 'Request body is too large';
  const size =
    limit >= 1024 * 1024
      ? `${Math.round(limit / (1024 * 1024))} MB`
      : `${Math.round(limit / 1024)} KB`;
  return `Request body is too large (limit ${size})`;
}

/** The status and message an error answers with (never internals for a 5xx). */
export function describeError(
  exception: unknown,
  request: FastifyRequest,
): { status: number; message: string } {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404 && /^Cannot [A-Z]+ /.test(exception.message)) {
      return {
        status,
        message: `Route not found: ${request.method} ${request.url.split('?')[0]}`,
      };
    }
    // A 503 thrown on purpose (a feature off or full) says why; other 5xx hide their internals.
    if (status === 503) return { status, message: messageOf(exception.getResponse()) };
    if (status >= 500) return { status, message: 'Internal server error' };
    // Nest hands Fastify's own errors over as HttpExceptions; a 413 is always a body limit.
    if (status === 413) return { status, message: tooLarge(request) };
    return { status, message: messageOf(exception.getResponse()) };
  }
  const fastifyError = exception as FastifyError;
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return { status, message: tooLarge(request) };
    }
    const known = fastifyError.code ? FASTIFY_ERRORS[fastifyError.code] : undefined;
    return { status, message: known ?? fastifyError.message ?? 'Bad request' };
  }
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
}
