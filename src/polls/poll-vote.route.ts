import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { ADMIN_ROUTE_CONFIG, ADMIN_TOKEN_ERRORS } from '../auth/jwt-auth.guard';
import { AuthService } from '../auth/auth.service';
import { IdPipe } from '../common/id.pipe';
import { DatabaseAvailability } from '../database/database-availability';
import { badId, databaseUnavailableResponse, errorResponse } from '../openapi/api-errors';
import { Metrics, type PollVoteRefusal } from '../metrics/metrics';
import { SESSION_NOT_FOUND } from '../sessions/sessions.controller';
import { chatUsername, isChatTimestamp, onlyFields } from '../votes/live-vote-body';
import { answerVote, VoteBody, type VoteRouteContext } from '../votes/vote-route';
import { PollVoteDto } from './dto/poll.dto';
import { POLL_EXAMPLES } from './poll-errors';
import { parseOption } from './poll-standings';
import { PollsService } from './polls.service';

/** Fastify's spelling of the route; OpenAPI's is POLL_VOTE_OPENAPI_PATH. */
export const POLL_VOTE_PATH = '/api/sessions/:id/poll/votes';
export const POLL_VOTE_OPENAPI_PATH = '/api/sessions/{id}/poll/votes';

/** The route's OpenAPI operation, added to the document by hand (Nest does not see the route). */
export const POLL_VOTE_OPERATION = {
  operationId: 'recordPollVote',
  tags: ['polls'],
  summary: "Record a viewer's poll vote from a bot",
  description:
    'One vote per viewer per poll (usernames compare case-insensitively): a later vote replaces it, and the database holds ' +
    'to that however many requests come at once. `option` is the number as typed in chat or a ticker of a game in the poll.',
  security: [{ bearer: [] }],
  parameters: [
    {
      name: 'id',
      in: 'path' as const,
      required: true,
      description: 'The session id (GET /api/sessions, or GET /api/sessions/active).',
      schema: { type: 'integer', minimum: 1 },
      example: 1,
    },
  ],
  requestBody: {
    required: true,
    description: 'The vote, as read from the chat.',
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/PollVoteDto' },
        examples: {
          byNumber: {
            summary: 'A viewer typed "2"',
            value: { username: 'TestUser', option: 2, timestamp: '2025-11-01T20:30:00Z' },
          },
          byTicker: {
            summary: 'A viewer typed the ticker of a game in the poll',
            value: { username: 'TestUser', option: 'FIB4', timestamp: '2025-11-01T20:30:00Z' },
          },
        },
      },
    },
  },
  responses: {
    200: {
      description: 'The vote, and the option it counts for.',
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/PollVoteResultDto' } },
      },
    },
    400: errorResponse({
      description:
        'A bad id or body (an option that is neither a number nor a ticker, a malformed or impossible timestamp), or an option the open poll does not have',
      examples: {
        ...badId(),
        optionRule: POLL_EXAMPLES.optionRule,
        timestamp: POLL_EXAMPLES.timestamp,
        impossibleTimestamp: POLL_EXAMPLES.impossibleTimestamp,
        badOption: POLL_EXAMPLES.badOption,
      },
    }),
    401: errorResponse(ADMIN_TOKEN_ERRORS),
    404: errorResponse(SESSION_NOT_FOUND[404]),
    409: errorResponse({
      description: 'The session is closed, or no poll is open on it',
      examples: { closed: POLL_EXAMPLES.closed, noPoll: POLL_EXAMPLES.noPoll },
    }),
    503: databaseUnavailableResponse(),
  },
};

const FIELDS = new Set(['username', 'option', 'timestamp']);

/** The body as the validation pipe would return it, when it is plainly valid (see wellFormedLiveVote). */
function wellFormedPollVote(body: unknown): PollVoteDto | undefined {
  const fields = onlyFields(body, FIELDS);
  if (!fields) return undefined;
  const { option, timestamp } = fields;
  const username = chatUsername(fields.username);
  if (username === undefined || parseOption(option) === undefined) return undefined;
  if (!isChatTimestamp(timestamp)) return undefined;
  return { username, option: option as number | string, timestamp };
}

/**
 * POST /api/sessions/:id/poll/votes as a plain Fastify route, like the live vote and for the
 * same reason: a chat votes by the thousand, and Nest's per-request pipeline would cost more
 * than the vote. Same token check, validation, messages and error bodies.
 */
@Injectable()
export class PollVoteRoute implements OnModuleInit {
  private readonly body = new VoteBody(PollVoteDto, wellFormedPollVote);
  private readonly sessionId = new IdPipe();
  private readonly context: VoteRouteContext<PollVoteRefusal>;

  constructor(
    private readonly host: HttpAdapterHost,
    auth: AuthService,
    private readonly polls: PollsService,
    database: DatabaseAvailability,
    metrics: Metrics,
  ) {
    this.context = {
      auth,
      database,
      logger: new Logger(PollVoteRoute.name),
      recorded: () => metrics.pollVoteRecorded(),
      refused: (reason) => metrics.pollVoteRefused(reason),
    };
  }

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    fastify.post(POLL_VOTE_PATH, { config: ADMIN_ROUTE_CONFIG }, (request, reply) =>
      answerVote(request, reply, this.context, async () => {
        const id = this.sessionId.transform((request.params as { id?: unknown }).id);
        return this.polls.vote(id, await this.body.parse(request.body));
      }),
    );
  }
}
