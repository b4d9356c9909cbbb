import type { Logger, Type } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/auth.service';
import { authenticate, type AuthenticatedRequest } from '../auth/jwt-auth.guard';
import { sendError } from '../common/http-exception.filter';
import { createValidationPipe } from '../common/validation.pipe';
import type { DatabaseAvailability } from '../database/database-availability';
import { refusalOf } from './vote-refused';

/**
 * A vote route's body: taken as is when `wellFormed` says it is plainly valid (a chat votes
 * by the thousand, and class-validator would cost more than the vote), else through the
 * validation pipe, which explains what is wrong.
 */
export class VoteBody<T extends object> {
  private readonly validation = createValidationPipe();

  constructor(
    private readonly metatype: Type<T>,
    private readonly wellFormed: (body: unknown) => T | undefined,
  ) {}

  async parse(body: unknown): Promise<T> {
    return (
      this.wellFormed(body) ??
      ((await this.validation.transform(body, { type: 'body', metatype: this.metatype })) as T)
    );
  }
}

export interface VoteRouteContext<R extends string> {
  auth: AuthService;
  database: DatabaseAvailability;
  logger: Logger;
  recorded: () => void;
  refused: (reason: R | 'unauthorized' | 'invalid') => void;
}

/**
 * Answers a vote on a plain Fastify route (the live vote, the poll vote) as Nest would answer
 * it: the token checked (usually already, before the body was read), then `vote`; a vote
 * recorded or refused is counted, and an error answered as on every other route.
 */
export async function answerVote<R extends string>(
  request: FastifyRequest,
  reply: FastifyReply,
  context: VoteRouteContext<R>,
  vote: () => Promise<unknown>,
): Promise<unknown> {
  try {
    (request as AuthenticatedRequest).admin ??= authenticate(
      context.auth,
      request.headers.authorization,
    );
    const recorded = await vote();
    context.recorded();
    return recorded;
  } catch (failure) {
    const reason = refusalOf<R>(failure);
    if (reason) context.refused(reason);
    sendError(failure, request, reply, context.logger, context.database);
    return reply;
  }
}
