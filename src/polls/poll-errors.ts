import { CHAT_TIMESTAMP_RULE } from '../common/validators';
import { MISSING_ID } from '../openapi/api-errors';
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

/** The session of the documented examples, as on the other routes. */
const SESSION = 1;

/**
 * The poll errors the OpenAPI document shows, worded as the server words them for session 1 (a
 * poll of 3 drawn games and "Other" where one is open) and for MISSING_ID, an id nothing has.
 */
export const POLL_EXAMPLES = {
  noGame: `Game ${MISSING_ID} not found`,
  nothingToPick: 'No games to pick from: every game is disabled',
  closed: pollMessages.closed(SESSION),
  noPoll: pollMessages.noPoll(SESSION),
  alreadyOpen: pollMessages.alreadyOpen(SESSION),
  noCountdown: pollMessages.noCountdown(SESSION),
  optionBoth: pollMessages.optionBoth(0),
  twice: pollMessages.twice('Fibbage 4'),
  delay: 'delay must not be greater than 300',
  badOption: pollMessages.badOption(7, 4),
  optionRule: OPTION_RULE,
  timestamp: CHAT_TIMESTAMP_RULE,
  impossibleTimestamp: 'timestamp is not a valid date and time',
} as const;
