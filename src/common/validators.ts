import { ValidateIf } from 'class-validator';

/** The largest id an `integer` column holds; larger ones are refused as input, not passed to SQL. */
export const MAX_ID = 2_147_483_647;

/**
 * Optional, but not nullable: an absent field is skipped, while `null` is validated (and
 * refused) like any other wrong value. `@IsOptional()` would let `null` through.
 */
export const IsOptionalNotNull = () => ValidateIf((_object, value) => value !== undefined);
