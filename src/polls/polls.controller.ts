import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../auth/jwt-auth.guard';
import { IdPipe } from '../common/id.pipe';
import { EndPollDto, PollDto, StartPollDto } from './dto/poll.dto';
import { errorResponse, POLL_ERRORS } from './poll-errors';
import { PollsService } from './polls.service';

const SessionIdParam = () =>
  ApiParam({ name: 'id', description: 'The session id', example: 123, type: Number });

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
  @SessionIdParam()
  @ApiBody({ type: StartPollDto, required: false })
  @ApiCreatedResponse({ type: PollDto, description: 'The poll, with no votes yet' })
  @ApiBadRequestResponse(
    errorResponse(
      'Invalid id or body',
      POLL_ERRORS.badId,
      POLL_ERRORS.optionBoth,
      POLL_ERRORS.twice,
    ),
  )
  @ApiNotFoundResponse(
    errorResponse(
      'No such session or game, or no game to draw',
      POLL_ERRORS.noSession,
      POLL_ERRORS.noGame,
      POLL_ERRORS.nothingToPick,
    ),
  )
  @ApiConflictResponse(
    errorResponse(
      'The session is closed, or a poll is already open',
      POLL_ERRORS.closed,
      POLL_ERRORS.alreadyOpen,
    ),
  )
  startPoll(@Param('id', IdPipe) id: number, @Body() dto: StartPollDto): Promise<PollDto> {
    return this.polls.start(id, dto ?? {});
  }

  @Get(':id/poll')
  @ApiOperation({
    summary: "The session's poll and its standings",
    description:
      "The newest poll of the session (open or ended) with each option's votes and the leader; `poll_id` null and no options when the session never had a poll. No token needed.",
  })
  @SessionIdParam()
  @ApiOkResponse({ type: PollDto, description: 'The poll and its standings' })
  @ApiBadRequestResponse(errorResponse('Invalid id', POLL_ERRORS.badId))
  @ApiNotFoundResponse(errorResponse('No such session', POLL_ERRORS.noSession))
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
  @SessionIdParam()
  @ApiBody({ type: EndPollDto, required: false })
  @ApiOkResponse({ type: PollDto, description: 'The poll: ended, or with `ends_at` set' })
  @ApiBadRequestResponse(errorResponse('Invalid id or delay', POLL_ERRORS.badId, POLL_ERRORS.delay))
  @ApiNotFoundResponse(errorResponse('No such session', POLL_ERRORS.noSession))
  @ApiConflictResponse(
    errorResponse(
      'The session is closed, or has no open poll',
      POLL_ERRORS.closed,
      POLL_ERRORS.noPoll,
    ),
  )
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
  @SessionIdParam()
  @ApiOkResponse({ type: PollDto, description: 'The poll, open, without `ends_at`' })
  @ApiBadRequestResponse(errorResponse('Invalid id', POLL_ERRORS.badId))
  @ApiNotFoundResponse(errorResponse('No such session', POLL_ERRORS.noSession))
  @ApiConflictResponse(
    errorResponse(
      'The session is closed, has no open poll, or no countdown runs',
      POLL_ERRORS.closed,
      POLL_ERRORS.noPoll,
      POLL_ERRORS.noCountdown,
    ),
  )
  cancelPollEnd(@Param('id', IdPipe) id: number): Promise<PollDto> {
    return this.polls.cancelEnd(id);
  }
}
