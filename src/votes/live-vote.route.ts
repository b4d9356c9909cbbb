import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { ADMIN_ROUTE_CONFIG, ADMIN_TOKEN_ERRORS } from '../auth/jwt-auth.guard';
import { AuthService } from '../auth/auth.service';
import { DatabaseAvailability } from '../database/database-availability';
import { databaseUnavailableResponse, errorResponse } from '../openapi/api-errors';
import { Metrics, type VoteRefusal } from '../metrics/metrics';
import { LiveVoteDto } from './dto/vote.dto';
import { wellFormedLiveVote } from './live-vote-body';
import { answerVote, VoteBody, type VoteRouteContext } from './vote-route';
import { VotesService } from './votes.service';

export const LIVE_VOTE_PATH = '/api/votes/live';

/** The route's OpenAPI operation, added to the document by hand (Nest does not see the route). */
export const LIVE_VOTE_OPERATION = {
  operationId: 'recordLiveVote',
  tags: ['votes'],
  summary: 'Record a chat vote (thisgame++ / thisgame--) from a bot',
  description:
    'The vote goes to the game of the active session that was being played at `timestamp` (the latest one added ' +
    'at or before it), or with `ticker` to that game directly. The same username within 1 second of their previous ' +
    'vote is a 409. Emits `vote.received`. The example needs an active session with a game added before its timestamp: ' +
    'put the current time there.',
  security: [{ bearer: [] }],
  requestBody: {
    required: true,
    description: 'The vote, as read from the chat.',
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/LiveVoteDto' },
        examples: {
          thisGame: {
            summary: 'thisgame++ from a chat user',
            value: { username: 'TestUser', vote: 'up', timestamp: '2025-11-01T20:30:00Z' },
          },
        },
      },
    },
  },
  responses: {
    200: {
      description: 'The vote, the game with its totals after it, and the session.',
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/LiveVoteResponseDto' } },
      },
    },
    400: errorResponse({
      description: 'A field is missing or malformed',
      examples: { badVote: 'vote must be one of the following values: up, down' },
    }),
    401: errorResponse(ADMIN_TOKEN_ERRORS),
    404: errorResponse({
      description:
        'No active session, no game yet, a timestamp before the first game, or an unknown ticker',
      examples: {
        noSession: 'No active session: votes can only be recorded while a session is running',
        unknownTicker: 'No game has the ticker ZZZZ',
      },
    }),
    409: errorResponse({
      description: 'The same username voted within 1 second of this timestamp',
      examples: {
        duplicate: 'Duplicate vote: TestUser already voted within 1 second of 2025-11-01T20:30:00Z',
      },
    }),
    503: databaseUnavailableResponse(),
  },
};

/**
 * POST /api/votes/live, the hot path of a game night, as a plain Fastify route. Nest's
 * per-request machinery (router, guards, pipes, interceptors) cost about three times what the
 * rest of a vote costs in this process; the route keeps everything that matters: the same
 * token check, the same validation and messages, the same error bodies and request ids.
 */
@Injectable()
export class LiveVoteRoute implements OnModuleInit {
  private readonly body = new VoteBody(LiveVoteDto, wellFormedLiveVote);
  private readonly context: VoteRouteContext<VoteRefusal>;

  constructor(
    private readonly host: HttpAdapterHost,
    auth: AuthService,
    private readonly votes: VotesService,
    database: DatabaseAvailability,
    metrics: Metrics,
  ) {
    this.context = {
      auth,
      database,
      logger: new Logger(LiveVoteRoute.name),
      recorded: () => metrics.voteRecorded(),
      refused: (reason) => metrics.voteRefused(reason),
    };
  }

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    // The route config has the token checked before the body is read, like every admin route.
    fastify.post(LIVE_VOTE_PATH, { config: ADMIN_ROUTE_CONFIG }, (request, reply) =>
      answerVote(request, reply, this.context, async () =>
        this.votes.live(await this.body.parse(request.body)),
      ),
    );
  }
}
