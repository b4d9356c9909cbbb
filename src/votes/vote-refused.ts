import { HttpException, HttpStatus } from '@nestjs/common';
import type { VoteRefusal } from '../metrics/metrics';

/** A live vote the rules refuse, with the reason the metrics count it under. */
export class VoteRefused extends HttpException {
  constructor(
    status: HttpStatus,
    message: string,
    readonly reason: VoteRefusal,
  ) {
    super(message, status);
  }
}
