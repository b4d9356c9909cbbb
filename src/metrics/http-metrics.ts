import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics';

/**
 * Times every HTTP request, the Nest routes and the plain Fastify ones (the live vote) alike,
 * labelled with the route's pattern (`/api/sessions/:id`), never the URL a client sent.
 */
export function observeRequests(fastify: FastifyInstance, metrics: Metrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequest(
      request.method,
      request.routeOptions.url,
      reply.statusCode,
      reply.elapsedTime,
    );
    done();
  });
}
