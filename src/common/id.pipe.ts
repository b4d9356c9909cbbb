import { BadRequestException, PipeTransform } from '@nestjs/common';
import { MAX_ID } from './validators';

/** The 400 message for a path id that is not one. */
export const notAnId = (name: string): string => `${name} must be a positive integer`;

/**
 * A positive integer path id; anything else is a 400 naming the parameter. Use the class for
 * `:id`, or `new IdPipe('sessionGameId')` for another name. Not injectable on purpose: Nest
 * then constructs it without arguments.
 */
export class IdPipe implements PipeTransform<unknown, number> {
  constructor(private readonly name = 'id') {}

  // Digits only: the path text as sent (the global pipe leaves path parameters alone).
  transform(value: unknown): number {
    const id = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : NaN;
    if (!(id >= 1 && id <= MAX_ID)) {
      throw new BadRequestException(notAnId(this.name));
    }
    return id;
  }
}
