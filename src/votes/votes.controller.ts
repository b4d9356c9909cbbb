import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/jwt-auth.guard';
import { ApiErrors, badId } from '../openapi/api-errors';
import { SESSION_ID, SESSION_NOT_FOUND } from '../sessions/sessions.controller';
import { IdPipe } from '../common/id.pipe';
import {
  ChatImportDto,
  ChatImportResultDto,
  ChatMessageDto,
  ListVotesQuery,
  SessionVotesDto,
  VoteListDto,
} from './dto/vote.dto';
import { ChatImportBodyPipe } from './chat-import-body.pipe';
import { VotesService } from './votes.service';

@ApiTags('votes')
@Controller('api')
export class VotesController {
  constructor(private readonly votes: VotesService) {}

  @Get('votes')
  @ApiOperation({
    summary: 'Vote history, newest first, paginated',
    description: 'Every filter is optional; without any, every vote, 50 per page.',
  })
  @ApiOkResponse({ type: VoteListDto, description: 'A page of votes and where it is.' })
  @ApiErrors({
    400: {
      description: 'A filter or page out of range',
      examples: { badLimit: 'limit must not be greater than 100' },
    },
  })
  listVotes(@Query() query: ListVotesQuery): Promise<VoteListDto> {
    return this.votes.list(query);
  }

  @Get('sessions/:id/votes')
  @SESSION_ID
  @ApiOperation({
    summary: "A session's votes per game",
    description: 'Totals of the votes cast during the session, per game, best net score first.',
  })
  @ApiOkResponse({ type: SessionVotesDto, description: 'The totals.' })
  @ApiErrors({
    400: { description: 'The id is not a positive integer', examples: badId() },
    ...SESSION_NOT_FOUND,
  })
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
  @SESSION_ID
  @ApiBody({ type: ChatImportDto, description: 'The chat log.' })
  @ApiOkResponse({ type: ChatImportResultDto, description: 'What the import counted.' })
  @ApiErrors({
    400: {
      description: 'A bad id, or a message that is not {username, message, timestamp}',
      examples: { notAnObject: 'chatData.0 must be an object' },
    },
    ...SESSION_NOT_FOUND,
  })
  importChat(
    @Param('id', IdPipe) id: number,
    @Body(ChatImportBodyPipe) body: { chatData: ChatMessageDto[] },
  ): Promise<ChatImportResultDto> {
    return this.votes.importChat(id, body.chatData);
  }
}
