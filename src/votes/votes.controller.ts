import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../auth/jwt-auth.guard';
import { ErrorResponseDto } from '../common/error-body';
import { IdPipe } from '../common/id.pipe';
import {
  ChatImportDto,
  ChatImportResultDto,
  ChatMessageDto,
  ListVotesQuery,
  LiveVoteDto,
  LiveVoteResponseDto,
  SessionVotesDto,
  VoteListDto,
} from './dto/vote.dto';
import { ChatImportBodyPipe } from './chat-import-body.pipe';
import { VotesService } from './votes.service';

@ApiTags('votes')
@ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid parameter or body' })
@Controller('api')
export class VotesController {
  constructor(private readonly votes: VotesService) {}

  @Post('votes/live')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: 'Record a chat vote (thisgame++ / thisgame--) from a bot',
    description:
      'The vote goes to the game of the active session that was being played at `timestamp` (the latest one added ' +
      'at or before it), or with `ticker` to that game directly. The same username within 1 second of their previous ' +
      'vote is a 409. Emits `vote.received`.',
  })
  @ApiOkResponse({ type: LiveVoteResponseDto })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'No active session, no game yet, timestamp before the first game, unknown ticker',
  })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'Duplicate vote (within 1 second of the previous one)',
  })
  recordLiveVote(@Body() dto: LiveVoteDto): Promise<LiveVoteResponseDto> {
    return this.votes.live(dto);
  }

  @Get('votes')
  @ApiOperation({ summary: 'Vote history, newest first, paginated' })
  @ApiOkResponse({ type: VoteListDto })
  listVotes(@Query() query: ListVotesQuery): Promise<VoteListDto> {
    return this.votes.list(query);
  }

  @Get('sessions/:id/votes')
  @ApiOperation({ summary: "A session's votes per game" })
  @ApiOkResponse({ type: SessionVotesDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  getSessionVotes(@Param('id', IdPipe) id: number): Promise<SessionVotesDto> {
    return this.votes.sessionTotals(id);
  }

  @Post('sessions/:id/chat-import')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: "Count the votes in a session's chat log",
    description:
      'Body `{chatData: [{username, message, timestamp}]}` or the bare array (up to 10 MB). `thisgame++` / `thisgame--` ' +
      'anywhere in a message, any case, go to the game played at the message time; the same user within 1 second of a ' +
      'recorded vote is skipped, so importing a log twice counts nothing new.',
  })
  @ApiBody({ type: ChatImportDto })
  @ApiOkResponse({ type: ChatImportResultDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  importChat(
    @Param('id', IdPipe) id: number,
    @Body(ChatImportBodyPipe) body: { chatData: ChatMessageDto[] },
  ): Promise<ChatImportResultDto> {
    return this.votes.importChat(id, body.chatData);
  }
}
