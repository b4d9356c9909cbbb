import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ASYNCAPI_JSON_PATH, ASYNCAPI_PAGE_PATH } from '../asyncapi/asyncapi-document';
import { ErrorResponseDto } from '../common/error-body';
import { LiveVoteDto, LiveVoteResponseDto } from '../votes/dto/vote.dto';
import { LIVE_VOTE_OPERATION, LIVE_VOTE_PATH } from '../votes/live-vote.route';
import { PollVoteDto, PollVoteResultDto } from '../polls/dto/poll.dto';
import { POLL_VOTE_OPENAPI_PATH, POLL_VOTE_OPERATION } from '../polls/poll-vote.route';

/** Every tag an operation uses, in the order Swagger UI shows them. */
export const OPENAPI_TAGS: { name: string; description: string }[] = [
  { name: 'auth', description: 'Exchange an admin key for a JWT, and check a token.' },
  {
    name: 'games',
    description:
      'The game catalog and its packs: list and filter, add and edit, enable and favor, CSV export and import.',
  },
  {
    name: 'picker',
    description: 'A weighted random pick among the enabled games that fit the filters.',
  },
  {
    name: 'sessions',
    description:
      "Game nights: start and close a session, the games played in it, their room codes and player counts, the rooms' live status, notes and export.",
  },
  {
    name: 'polls',
    description:
      "Viewer polls for the next game: open one, take chat's votes (one per viewer, changes allowed), read the standings, end it at once or after a countdown.",
  },
  {
    name: 'votes',
    description: 'Live chat votes from bots, vote history, per-session totals and chat log import.',
  },
  {
    name: 'webhooks',
    description:
      'HTTP callbacks for events, signed with the webhook secret; test sends, delivery logs and retries.',
  },
  { name: 'stats', description: 'Totals and rankings across the catalog, sessions and votes.' },
  {
    name: 'health',
    description: 'Liveness and database readiness, for load balancers and Docker.',
  },
];

const DESCRIPTION = [
  'Catalog, weighted picker, sessions and live votes for streamed Jackbox game nights.',
  '',
  '**Authentication.** Reading is open; changing anything needs an admin token. Call',
  '`POST /api/auth/login` with `{"apiKey": "<your admin key>"}`, copy the `token` from the answer,',
  'press **Authorize** and paste it (without "Bearer"). Swagger UI keeps it across page reloads',
  'until it expires (24 hours by default) or you log out there. Bots send it as',
  '`Authorization: Bearer <token>`.',
  '',
  '**Errors.** Every error answers `{"error": "message"}`; each route lists the messages it sends.',
  'While the database is unavailable, any request that needs it answers 503 with a `Retry-After`',
  'header (seconds).',
  '',
  '**Real-time.** Events also reach bots over the WebSocket at `/api/sessions/live` and through',
  `webhooks: [AsyncAPI document](${ASYNCAPI_PAGE_PATH}) (JSON at ${ASYNCAPI_JSON_PATH}).`,
].join('\n');

/**
 * The API's OpenAPI document, as served at /api/docs-json and committed as docs/openapi.json
 * (`npm run docs:openapi`). Needs the app's controllers only, not a running server.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Jackbox Game Picker API')
    .setDescription(DESCRIPTION)
    .setVersion('1.0')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'The token from POST /api/auth/login.',
    });
  for (const tag of OPENAPI_TAGS) builder.addTag(tag.name, tag.description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    extraModels: [
      LiveVoteDto,
      LiveVoteResponseDto,
      PollVoteDto,
      PollVoteResultDto,
      ErrorResponseDto,
    ],
    // Operation ids are the controller method names (unique across the API): what a generated
    // client calls its functions.
    operationIdFactory: (_controllerKey: string, methodKey: string) => methodKey,
  });
  // The live vote is a plain Fastify route (see LiveVoteRoute): Nest does not document it.
  document.paths[LIVE_VOTE_PATH] = { post: LIVE_VOTE_OPERATION };
  document.paths[POLL_VOTE_OPENAPI_PATH] = { post: POLL_VOTE_OPERATION };
  return document;
}

export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('api/docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'api/docs-json',
    // The token pasted in "Authorize" survives page reloads (kept in the browser's localStorage).
    swaggerOptions: { persistAuthorization: true },
  });
}
