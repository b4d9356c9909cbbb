import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ASYNCAPI_JSON_PATH, ASYNCAPI_PAGE_PATH, buildAsyncApiDocument } from './asyncapi-document';

/**
 * The AsyncAPI document at /api/asyncapi.json and a page that renders it for people at
 * /api/asyncapi, with `@asyncapi/react-component`'s standalone bundle served from this server
 * (no CDN). Neither needs a token.
 */

const ASSETS_PATH = `${ASYNCAPI_PAGE_PATH}/assets`;
const RENDERER_PACKAGE = '@asyncapi/react-component';

/** The renderer's files this server serves, by the name they are served under. */
const RENDERER_FILES = {
  'asyncapi-standalone.js': 'browser/standalone/index.js',
  'asyncapi.css': 'styles/default.min.css',
} as const;

/**
 * Where the renderer's files are: the installed package (development, tests, `npm start`), or
 * the copy `npm run build` puts in dist/asyncapi-ui (the production image, whose node_modules
 * hold runtime dependencies only).
 */
export function rendererDirectory(): string | undefined {
  try {
    return path.dirname(require.resolve(`${RENDERER_PACKAGE}/package.json`));
  } catch {
    const copy = path.resolve(__dirname, '..', '..', 'asyncapi-ui');
    return existsSync(copy) ? copy : undefined;
  }
}

/** Relative links, so the page also works under a proxy's path prefix. */
const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Jackbox Game Picker API: WebSocket and webhooks</title>
    <link rel="stylesheet" href="asyncapi/assets/asyncapi.css" />
  </head>
  <body>
    <div id="asyncapi">
      <noscript>This page needs JavaScript. The document itself is <a href="asyncapi.json">asyncapi.json</a>.</noscript>
    </div>
    <script src="asyncapi/assets/asyncapi-standalone.js"></script>
    <script src="asyncapi/assets/render.js"></script>
  </body>
</html>
`;

const RENDER_SCRIPT = `AsyncApiStandalone.render(
  {
    schema: { url: 'asyncapi.json', options: { method: 'GET' } },
    config: { show: { sidebar: true }, expand: { messageExamples: true } },
  },
  document.getElementById('asyncapi'),
);
`;

const CACHE = 'public, max-age=3600';

export function serveAsyncApi(fastify: FastifyInstance): void {
  const document = JSON.stringify(buildAsyncApiDocument());
  const directory = rendererDirectory();
  const files = new Map<string, Buffer>();
  const rendererFile = (name: keyof typeof RENDERER_FILES): Buffer | undefined => {
    if (!directory) return undefined;
    let file = files.get(name);
    if (!file) {
      file = readFileSync(path.join(directory, RENDERER_FILES[name]));
      files.set(name, file);
    }
    return file;
  };
  const missing = (reply: FastifyReply) =>
    reply.code(503).send({
      error: `The AsyncAPI page's renderer (${RENDERER_PACKAGE}) is not installed; the document is at ${ASYNCAPI_JSON_PATH}`,
    });

  fastify.get(ASYNCAPI_JSON_PATH, (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(document),
  );
  fastify.get(ASYNCAPI_PAGE_PATH, (_request, reply) =>
    directory ? reply.type('text/html; charset=utf-8').send(PAGE) : missing(reply),
  );
  fastify.get(`${ASSETS_PATH}/render.js`, (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', CACHE).send(RENDER_SCRIPT),
  );
  fastify.get(`${ASSETS_PATH}/asyncapi-standalone.js`, (_request, reply) => {
    const file = rendererFile('asyncapi-standalone.js');
    return file
      ? reply.type('text/javascript; charset=utf-8').header('cache-control', CACHE).send(file)
      : missing(reply);
  });
  fastify.get(`${ASSETS_PATH}/asyncapi.css`, (_request, reply) => {
    const file = rendererFile('asyncapi.css');
    return file
      ? reply.type('text/css; charset=utf-8').header('cache-control', CACHE).send(file)
      : missing(reply);
  });
}

/** What `npm run build` copies into dist/asyncapi-ui (see rendererDirectory). */
export const RENDERER_COPY = Object.values(RENDERER_FILES);
