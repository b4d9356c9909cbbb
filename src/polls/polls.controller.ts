import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/jwt-auth.guard';
import { IdPipe } from '../common/id.pipe';
import { ApiErrors, badId, type ErrorDoc } from '../openapi/api-errors';
import { SESSION_ID, SESSION_NOT_FOUND } from '../sessions/sessions.controller';
import { EndPollDto, PollDto, StartPollDto } from './dto/poll.dto';
import { POLL_EXAMPLES } from './poll-errors';
import { PollsService } from './polls.service';

const BAD_ID: Record<number, ErrorDoc> = {
  400: { description: 'The id is not a positive integer', examples: badId() },
};
/** The 409s of the routes that change the open poll. */
const NO_OPEN_POLL = (description: string, more: ErrorDoc['examples'] = {}) => ({
  409: {
    description,
    examples: { closed: POLL_EXAMPLES.closed, noPoll: POLL_EXAMPLES.noPoll, ...more },
  },
});

@ApiTags('polls')
@Controller('api/sessions')
export class PollsController {
  constructor(private readonly polls: PollsService) {}

  @Post(':id/voting/start')
  @AdminOnly()
  @ApiOperation({
    summary: 'Open a viewer poll on the active session',
    description:
      'Options are given, or drawn by the weighted picker: 3 enabled games, leaving out the session\'s last two games, none twice, and "Other". ' +
      'One poll at a time per session. Emits `poll.start`.',
  })
  @SESSION_ID
  @ApiBody({
    type: StartPollDto,
    required: false,
    description: 'The options; without a body (or without `options`) the picker draws them.',
    examples: {
      drawn: { summary: 'Three games drawn by the picker, and "Other"', value: {} },
      given: {
        summary: 'Two catalog games and "Other"',
        value: { options: [{ game_id: 1 }, { game_id: 2 }, { label: 'Other' }] },
      },
    },
  })
  @ApiCreatedResponse({ type: PollDto, description: 'The poll, with no votes yet' })
  @ApiErrors({
    400: {
      description:
        'A bad id or body: an option with both (or neither) game_id and label, or one given twice',
      examples: {
        ...badId(),
        optionBoth: POLL_EXAMPLES.optionBoth,
        twice: POLL_EXAMPLES.twice,
      },
    },
    404: {
      description:
        'No session has this id, no game has a given game_id, or no enabled game is left to draw (the message says why)',
      examples: {
        ...SESSION_NOT_FOUND[404].examples,
        noGame: POLL_EXAMPLES.noGame,
        nothingToPick: POLL_EXAMPLES.nothingToPick,
      },
    },
    409: {
      description: 'The session is closed, or a poll is already open on it',
      examples: { closed: POLL_EXAMPLES.closed, alreadyOpen: POLL_EXAMPLES.alreadyOpen },
    },
  })
  startPoll(@Param('id', IdPipe) id: number, @Body() dto: StartPollDto): Promise<PollDto> {
    return this.polls.start(id, dto ?? {});
  }

  @Get(':id/poll')
  @ApiOperation({
    summary: "The session's poll and its standings",
    description:
      "The newest poll of the session (open or ended) with each option's votes and the leader; `poll_id` null and no options when the session never had a poll. No token needed.",
  })
  @SESSION_ID
  @ApiOkResponse({ type: PollDto, description: 'The poll and its standings' })
  @ApiErrors({ ...BAD_ID, ...SESSION_NOT_FOUND })
  getPoll(@Param('id', IdPipe) id: number): Promise<PollDto> {
    return this.polls.standings(id);
  }

  @Post(':id/voting/end')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: 'End the poll, now or after a countdown',
    description:
      'Without `delay` (or 0) the poll ends at once and `voting.ended` goes out with the winner. With `delay` (1-300 s), `poll.ending` goes out with `endsAt`, and the poll ends then, once, ' +
      'whichever instance is up (a restart does not lose it). Add the winner with `POST /api/sessions/{id}/games` `{"game_id": winnerGameId, "source": "poll"}`.',
  })
  @SESSION_ID
  @ApiBody({
    type: EndPollDto,
    required: false,
    description: 'The countdown, if any; without a body the poll ends at once.',
    examples: {
      now: { summary: 'End it now', value: {} },
      countdown: { summary: 'End it in 30 seconds', value: { delay: 30 } },
    },
  })
  @ApiOkResponse({ type: PollDto, description: 'The poll: ended, or with `ends_at` set' })
  @ApiErrors({
    400: {
      description: 'A bad id, or a delay that is not a whole number of seconds from 0 to 300',
      examples: { ...badId(), delay: POLL_EXAMPLES.delay },
    },
    ...SESSION_NOT_FOUND,
    ...NO_OPEN_POLL('The session is closed, or no poll is open on it'),
  })
  endPoll(@Param('id', IdPipe) id: number, @Body() dto: EndPollDto): Promise<PollDto> {
    return this.polls.end(id, dto?.delay);
  }

  @Post(':id/voting/cancel-end')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: "Cancel the poll's countdown",
    description: 'The poll stays open. Emits `poll.ending.cancelled`.',
  })
  @SESSION_ID
  @ApiOkResponse({ type: PollDto, description: 'The poll, open, without `ends_at`' })
  @ApiErrors({
    ...BAD_ID,
    ...SESSION_NOT_FOUND,
    ...NO_OPEN_POLL('The session is closed, no poll is open on it, or its poll has no countdown', {
      noCountdown: POLL_EXAMPLES.noCountdown,
    }),
  })
  cancelPollEnd(@Param('id', IdPipe) id: number): Promise<PollDto> {
    return this.polls.cancelEnd(id);
  }
}
