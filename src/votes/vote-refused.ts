import {
  BadRequestException,
  HttpException,
  HttpStatus,
  UnauthorizedException,
} from '@nestjs/common';
import type { VoteRefusal } from '../metrics/metrics';

/** A vote (live or poll) the rules refuse, with the reason the metrics count it under. */
export class VoteRefused<R extends string = VoteRefusal> extends HttpException {
  constructor(
    status: HttpStatus,
    message: string,
    readonly reason: R,
  ) {
    super(message, status);
  }
}

/**
 * Why a vote route refused a vote: the reason it was thrown with, `unauthorized` or `invalid`
 * (the body failed validation); undefined for a failure that is not the vote's fault.
 */
export function refusalOf<R extends string>(
  failure: unknown,
): R | 'unauthorized' | 'invalid' | undefined {
  if (failure instanceof VoteRefused) return failure.reason as R;
  if (failure instanceof UnauthorizedException) return 'unauthorized';
  if (failure instanceof BadRequestException) return 'invalid';
  return undefined;
}
