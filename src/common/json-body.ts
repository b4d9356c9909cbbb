import type { FastifyInstance } from 'fastify';

/**
 * Parses JSON bodies as Fastify does, except that an empty one (or only whitespace) is no body
 * at all. Many bots' HTTP helpers send `Content-Type: application/json` on every request, the
 * ones without a body too (`DELETE /api/webhooks/:id`, a test send, a pick without filters);
 * Fastify's own parser answers those 400. Routes that need a body still refuse it, through
 * their validation, with the fields that are missing.
 */
export function treatEmptyJsonAsNoBody(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    void parseJson(request, text, done);
  });
}
