import { applyDecorators } from '@nestjs/common';
import { IsString, Matches, ValidateIf } from 'class-validator';
import { TrimUpper } from './query-transforms';

/** The largest id an `integer` column holds; larger ones are refused as input, not passed to SQL. */
export const MAX_ID = 2_147_483_647;

/** The most players any game or player count may name. */
export const MAX_PLAYERS_LIMIT = 100;

/** A game's ticker (`FIB4` in `FIB4++`), stored in upper case. */
export const TICKER_PATTERN = /^[A-Z0-9]{2,6}$/;

/** A Jackbox room code, stored in upper case. */
export const ROOM_CODE_PATTERN = /^[A-Z0-9]{4}$/;

/**
 * Optional, but not nullable: an absent field is skipped, while `null` is validated (and
 * refused) like any other wrong value. `@IsOptional()` would let `null` through.
 */
export const IsOptionalNotNull = () => ValidateIf((_object, value) => value !== undefined);

/** A ticker, in any case and with spaces around it; validated and kept in upper case. */
export const IsTicker = () =>
  applyDecorators(
    IsString(),
    Matches(TICKER_PATTERN, { message: 'ticker must be 2 to 6 letters or digits' }),
    TrimUpper(),
  );

/** A room code, in any case and with spaces around it; validated and kept in upper case. */
export const IsRoomCode = () =>
  applyDecorators(
    IsString(),
    Matches(ROOM_CODE_PATTERN, { message: 'room_code must be 4 letters or digits' }),
    TrimUpper(),
  );
