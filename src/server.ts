import { NestFactory } from '@nestjs/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { serveAsyncApi } from './asyncapi/asyncapi-page';
import { AuthService } from './auth/auth.service';
import { isAdminRoute } from './auth/jwt-auth.guard';
import { checkTokensBeforeBodies } from './auth/token-before-body';
import type { RuntimeConfig } from './config/app-config';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { closeUnfinishedRequests, requestTimeouts } from './common/request-limits';
import { createValidationPipe } from './common/validation.pipe';
import { treatEmptyJsonAsNoBody } from './common/json-body';
import { createLogger, logRequests, PinoLoggerService, requestId } from './common/logging';
import { DatabaseAvailability } from './database/database-availability';
import { LiveWsAdapter } from './live/live-ws.adapter';
import { observeRequests } from './metrics/http-metrics';
import { Metrics } from './metrics/metrics';
import { POLL_VOTE_PATH } from './polls/poll-vote.route';
import { LIVE_VOTE_PATH } from './votes/live-vote.route';
import { setupOpenApi } from './openapi/openapi-document';

export const BODY_LIMIT_BYTES = 1024 * 1024;
export const CHAT_IMPORT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;
/** Routes open to anyone (login, pick) take small bodies only. */
export const ANONYMOUS_BODY_LIMIT_BYTES = 16 * 1024;

/** Admin routes' bodies are read only once their token checked out (see checkTokensBeforeBodies). */
function bodyLimitFor(route: { url: string; config?: unknown }): number {
  if (!isAdminRoute(route.config)) return ANONYMOUS_BODY_LIMIT_BYTES;
  // A whole night's chat log is bigger than any other body.
  return route.url.endsWith('/chat-import') ? CHAT_IMPORT_BODY_LIMIT_BYTES : BODY_LIMIT_BYTES;
}

/** Builds the whole application (not yet listening): used by main.ts and by the tests. */
export async function createServer(config: RuntimeConfig): Promise<NestFastifyApplication> {
  const logger = createLogger(config.logLevel);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    new FastifyAdapter({
      // The API has no Nest middleware (its per-request work is Fastify hooks): without this,
      // @fastify/middie would run on every request, the votes included, for nothing.
      skipMiddie: true,
      bodyLimit: ANONYMOUS_BODY_LIMIT_BYTES,
      ...requestTimeouts(config.http.requestTimeoutMs, logger),
      trustProxy: config.trustProxy,
      requestIdHeader: false,
      genReqId: requestId,
      // Errors Fastify raises before routing (a URL that does not decode) in the API's shape.
      frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
        void reply
          .code(400)
          .header('x-request-id', request.id)
          .send({ error: `Malformed URL: ${error.message}` });
      },
    }),
    // JSON bodies are parsed by the app's own parser (treatEmptyJsonAsNoBody); the API takes
    // no form posts.
    { bufferLogs: true, abortOnError: false, bodyParser: false },
  );
  app.useLogger(new PinoLoggerService(logger));
  const fastify = app.getHttpAdapter().getInstance();
  logRequests(fastify, logger);
  observeRequests(fastify, app.get(Metrics));
  fastify.addHook('onRoute', (route) => {
    route.bodyLimit = bodyLimitFor(route);
  });
  const metrics = app.get(Metrics);
  checkTokensBeforeBodies(
    fastify,
    app.get(AuthService),
    app.get(DatabaseAvailability),
    (request) => {
      const route = request.routeOptions.url;
      if (route === LIVE_VOTE_PATH) metrics.voteRefused('unauthorized');
      else if (route === POLL_VOTE_PATH) metrics.pollVoteRefused('unauthorized');
    },
  );
  closeUnfinishedRequests(fastify);
  treatEmptyJsonAsNoBody(fastify);
  // Catalog imports may be sent as a raw CSV body.
  fastify.addContentTypeParser(
    ['text/csv', 'text/plain'],
    { parseAs: 'string' },
    (_request, body, done) => {
      done(null, body);
    },
  );
  // Hooks take callbacks rather than promises: they run on every request, the votes included.
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  // While shutting down, answer the requests in flight with `Connection: close`, so their
  // keep-alive sockets do not hold the process open after the last response.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.useWebSocketAdapter(new LiveWsAdapter(app));
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter(app.get(DatabaseAvailability)));
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      // Every method and request header the API takes (the CORS default leaves out PUT, PATCH, DELETE).
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: [
        'X-Total-Count',
        'X-Absolute-Total',
        'X-Prev-Last-Date',
        'X-Request-Id',
        'Retry-After',
      ],
    });
  }
  setupOpenApi(app);
  serveAsyncApi(fastify);
  return app;
}
