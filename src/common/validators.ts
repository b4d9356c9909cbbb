import { applyDecorators } from '@nestjs/common';
import { buildMessage, IsString, Matches, ValidateBy, ValidateIf } from 'class-validator';
import { Trim, TrimUpper } from './query-transforms';
import { ISO_TIMESTAMP } from './timestamp';

/** The largest id an `integer` column holds; larger ones are refused as input, not passed to SQL. */
export const MAX_ID = 2_147_483_647;

/** The most players any game or player count may name. */
export const MAX_PLAYERS_LIMIT = 100;

/** A game's ticker (`FIB4` in `FIB4++`), stored in upper case. */
export const TICKER_PATTERN = /^[A-Z0-9]{2,6}$/;

/** The slug Jackbox's room service names a game by (`quiplash3`), as it sends it. */
export const APP_TAG_PATTERN = /^[a-z0-9_-]{1,64}$/;
export const APP_TAG_RULE = '1 to 64 lowercase letters, digits, hyphens or underscores';

/** A Jackbox room code, stored in upper case. */
/** Jackbox room codes are four letters (the ecast service knows no others). */
export const ROOM_CODE_PATTERN = /^[A-Z]{4}$/;

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

/** An app tag, with spaces around it trimmed; case is kept, so `Quiplash3` is refused. */
export const IsAppTag = () =>
  applyDecorators(
    IsString(),
    Matches(APP_TAG_PATTERN, { message: `app_tag must be ${APP_TAG_RULE}` }),
    Trim(),
  );

/** A room code, in any case and with spaces around it; validated and kept in upper case. */
export const IsRoomCode = () =>
  applyDecorators(
    IsString(),
    Matches(ROOM_CODE_PATTERN, { message: 'room_code must be 4 letters' }),
    TrimUpper(),
  );

/** What a vote whose `timestamp` is no ISO 8601 date and time is told. */
export const CHAT_TIMESTAMP_RULE =
  'timestamp must be an ISO 8601 date and time, e.g. 2025-11-01T20:30:00Z';

/** The time of the chat message a vote (live or poll) comes from, as bots send it. */
export const IsChatTimestamp = () =>
  applyDecorators(IsString(), Matches(ISO_TIMESTAMP, { message: CHAT_TIMESTAMP_RULE }));

/**
 * At most `max` UTF-16 code units. class-validator's length leaves variation selectors (U+FE0E,
 * U+FE0F) out, PostgreSQL's `length` counts them; a count of code units is never below it, so
 * a column's length CHECK can never refuse what this lets through.
 */
export function MaxCodeUnits(max: number): PropertyDecorator {
  return ValidateBy({
    name: 'maxCodeUnits',
    constraints: [max],
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || value.length <= max,
      defaultMessage: buildMessage(
        (each) => `${each}$property must be shorter than or equal to $constraint1 characters`,
      ),
    },
  });
}
