import { HttpException } from '@nestjs/common';

/** An error whose body carries fields beside `error`, e.g. `{error, activeSessionId}`. */
export class ApiError extends HttpException {
  constructor(
    status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message, status);
  }
}
