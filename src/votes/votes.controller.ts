import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
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
