import type { ApiResponseNoStatusOptions } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-body';
import { OPTION_RULE } from './poll-standings';

/** The poll endpoints' error messages, shared by the code that sends them and the OpenAPI examples. */
export const pollMessages = {
  closed: (sessionId: number) =>
    `Session ${sessionId} is closed: polls run on the active session only`,
  noPoll: (sessionId: number) => `No poll is open on session ${sessionId}`,
  alreadyOpen: (sessionId: number) =>
    `A poll is already open on session ${sessionId}: end it before starting another`,
  noCountdown: (sessionId: number) => `No countdown is running on the poll of session ${sessionId}`,
  optionBoth: (index: number) => `options[${index}] needs either game_id or label, not both`,
  twice: (label: string) => `"${label}" is in the options twice`,
  badOption: (option: unknown, count: number) =>
    `option ${JSON.stringify(option)} is not in the poll: send a number from 1 to ${count} or the ticker of a game in it`,
};

/** Examples of every poll error, with the ids the examples elsewhere use. */
export const POLL_ERRORS = {
  badId: 'id must be a positive integer',
  token: 'Access token required',
  noSession: 'Session 123 not found',
  noGame: 'Game 45 not found',
  nothingToPick: 'No games to pick from: every game is disabled',
  closed: pollMessages.closed(123),
  noPoll: pollMessages.noPoll(123),
  alreadyOpen: pollMessages.alreadyOpen(123),
  noCountdown: pollMessages.noCountdown(123),
  optionBoth: pollMessages.optionBoth(0),
  twice: pollMessages.twice('Fibbage 4'),
  delay: 'delay must not be greater than 300',
  badOption: pollMessages.badOption(7, 4),
  optionRule: OPTION_RULE,
  timestamp: 'timestamp must be an ISO 8601 date and time, e.g. 2025-11-01T20:30:00Z',
} as const;

/** An error response for the OpenAPI document, with each message as an example. */
export function errorResponse(
  description: string,
  ...messages: string[]
): ApiResponseNoStatusOptions {
  return {
    description,
    type: ErrorResponseDto,
    examples: Object.fromEntries(
      messages.map((error) => [error, { summary: error, value: { error } }]),
    ),
  };
}
