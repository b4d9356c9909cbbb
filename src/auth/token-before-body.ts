import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendError } from '../common/http-exception.filter';
import type { DatabaseAvailability } from '../database/database-availability';
import type { AuthService } from './auth.service';
import { authenticate, isAdminRoute, type AuthenticatedRequest } from './jwt-auth.guard';

/**
 * Checks the token of admin-only routes before their body is read: a request without a valid
 * token is answered 401 at once, so an anonymous client cannot make the server receive and
 * parse a large body (a chat import may be 10 MB) only to refuse it. The answer closes the
 * connection while the body is still on its way (see `closeUnfinishedRequests`).
 */
export function checkTokensBeforeBodies(
  fastify: FastifyInstance,
  auth: AuthService,
  database: DatabaseAvailability,
  /** Told of each request refused here (the vote metrics count refused votes). */
  onRefused: (request: FastifyRequest) => void = () => undefined,
): void {
  const logger = new Logger('AdminRoutes');
  // preParsing runs after the CORS hook (onRequest), so a browser can read the 401.
  fastify.addHook('preParsing', (request, reply, payload, done) => {
    if (!isAdminRoute(request.routeOptions.config)) return done(null, payload);
    try {
      (request as AuthenticatedRequest).admin = authenticate(auth, request.headers.authorization);
    } catch (error) {
      // Answered here: not calling done() ends the request's lifecycle.
      onRefused(request);
      sendError(error, request, reply, logger, database);
      return;
    }
    done(null, payload);
  });
}
