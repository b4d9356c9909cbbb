import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import {
  ADMIN_ROUTE_CONFIG,
  ADMIN_TOKEN_ERRORS,
  authenticate,
  type AuthenticatedRequest,
} from '../auth/jwt-auth.guard';
import { AuthService } from '../auth/auth.service';
import { IdPipe } from '../common/id.pipe';
import { sendError } from '../common/http-exception.filter';
import { ISO_TIMESTAMP } from '../common/timestamp';
import { createValidationPipe } from '../common/validation.pipe';
import { DatabaseAvailability } from '../database/database-availability';
import { badId, databaseUnavailableResponse, errorResponse } from '../openapi/api-errors';
import { Metrics, type PollVoteRefusal } from '../metrics/metrics';
import { SESSION_NOT_FOUND } from '../sessions/sessions.controller';
import { refusalOf } from '../votes/vote-refused';
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
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  for (const key of Object.keys(body)) if (!FIELDS.has(key)) return undefined;
  const { username, option, timestamp } = body as Record<string, unknown>;
  if (typeof username !== 'string' || username.includes('\u0000')) return undefined;
  const name = username.trim();
  if (name.length < 1 || name.length > 100) return undefined;
  if (parseOption(option) === undefined) return undefined;
  if (typeof timestamp !== 'string' || !ISO_TIMESTAMP.test(timestamp)) return undefined;
  return { username: name, option: option as number | string, timestamp };
}

/**
 * POST /api/sessions/:id/poll/votes as a plain Fastify route, like the live vote and for the
 * same reason: a chat votes by the thousand, and Nest's per-request pipeline would cost more
 * than the vote. Same token check, validation, messages and error bodies.
 */
@Injectable()
export class PollVoteRoute implements OnModuleInit {
  private readonly logger = new Logger(PollVoteRoute.name);
  private readonly validation = createValidationPipe();
  private readonly sessionId = new IdPipe();

  constructor(
    private readonly host: HttpAdapterHost,
    private readonly auth: AuthService,
    private readonly polls: PollsService,
    private readonly database: DatabaseAvailability,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    fastify.post(POLL_VOTE_PATH, { config: ADMIN_ROUTE_CONFIG }, async (request, reply) => {
      try {
        (request as AuthenticatedRequest).admin ??= authenticate(
          this.auth,
          request.headers.authorization,
        );
        const id = this.sessionId.transform((request.params as { id?: unknown }).id);
        const dto =
          wellFormedPollVote(request.body) ??
          ((await this.validation.transform(request.body, {
            type: 'body',
            metatype: PollVoteDto,
          })) as PollVoteDto);
        const recorded = await this.polls.vote(id, dto);
        this.metrics.pollVoteRecorded();
        return recorded;
      } catch (failure) {
        const reason = refusalOf<PollVoteRefusal>(failure);
        if (reason) this.metrics.pollVoteRefused(reason);
        sendError(failure, request, reply, this.logger, this.database);
        return reply;
      }
    });
  }
}
