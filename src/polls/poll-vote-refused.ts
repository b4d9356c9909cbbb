import { HttpException, HttpStatus } from '@nestjs/common';
import type { PollVoteRefusal } from '../metrics/metrics';

/** A poll vote the rules refuse, with the reason the metrics count it under. */
export class PollVoteRefused extends HttpException {
  constructor(
    status: HttpStatus,
    message: string,
    readonly reason: PollVoteRefusal,
  ) {
    super(message, status);
  }
}
