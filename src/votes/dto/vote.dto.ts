import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { QueryInteger, Trim } from '../../common/query-transforms';
import { IsChatTimestamp, IsTicker, MAX_ID, MaxCodeUnits } from '../../common/validators';
import { ISO_TIMESTAMP } from '../../common/timestamp';

export class LiveVoteDto {
  @ApiProperty({ example: 'TestUser', description: 'Username of the voter' })
  @Trim()
  @MaxCodeUnits(100)
  @Length(1, 100)
  @IsString()
  username!: string;

  @ApiProperty({ enum: ['up', 'down'], description: '"up" for thisgame++, "down" for thisgame--' })
  @IsIn(['up', 'down'])
  vote!: 'up' | 'down';

  @ApiProperty({
    example: '2025-11-01T20:30:00Z',
    description: 'ISO 8601 time of the chat message',
  })
  @IsChatTimestamp()
  timestamp!: string;

  @ApiPropertyOptional({
    description:
      'A game ticker such as FIB4: the vote goes to that game directly (TICKER++), in or out of the session.',
  })
  @IsOptional()
  @IsTicker()
  ticker?: string;
}

class LiveVoteSessionDto {
  @ApiProperty({ description: 'The active session id.', example: 123 })
  id!: number;

  @ApiProperty({ description: 'Games added to the session so far.', example: 5 })
  games_played!: number;
}

class LiveVoteGameDto {
  @ApiProperty({ description: 'The catalog id of the game the vote went to.', example: 45 })
  id!: number;

  @ApiProperty({ description: 'The game title.', example: 'Fibbage 4' })
  title!: string;

  @ApiProperty({
    description: 'Up votes of the game after this vote, all sessions together.',
    example: 46,
  })
  upvotes!: number;

  @ApiProperty({
    description: 'Down votes of the game after this vote, all sessions together.',
    example: 3,
  })
  downvotes!: number;

  @ApiProperty({ description: 'upvotes - downvotes.', example: 43 })
  popularity_score!: number;
}

class LiveVoteEchoDto {
  @ApiProperty({ description: 'The voter, as sent.', example: 'TestUser' })
  username!: string;

  @ApiProperty({ description: '`up` or `down`.', enum: ['up', 'down'] })
  type!: 'up' | 'down';

  @ApiProperty({
    description: 'The time of the chat message, as sent.',
    example: '2025-11-01T20:30:00Z',
  })
  timestamp!: string;
}

export class LiveVoteResponseDto {
  @ApiProperty({ description: 'Always true.', example: true })
  success!: boolean;

  @ApiProperty({
    description: 'Always `Vote recorded successfully`.',
    example: 'Vote recorded successfully',
  })
  message!: string;

  @ApiProperty({ description: 'The active session.', type: LiveVoteSessionDto })
  session!: LiveVoteSessionDto;

  @ApiProperty({
    description: 'The game the vote went to, with its totals after it.',
    type: LiveVoteGameDto,
  })
  game!: LiveVoteGameDto;

  @ApiProperty({ description: 'The vote, as recorded.', type: LiveVoteEchoDto })
  vote!: LiveVoteEchoDto;
}

export class ListVotesQuery {
  @ApiPropertyOptional({ description: 'Only the votes of this session, e.g. 12.' })
  @IsOptional()
  @QueryInteger()
  @Max(MAX_ID)
  @Min(1)
  @IsInt()
  session_id?: number;

  @ApiPropertyOptional({ description: 'Only the votes for this game, e.g. 45.' })
  @IsOptional()
  @QueryInteger()
  @Max(MAX_ID)
  @Min(1)
  @IsInt()
  game_id?: number;

  @ApiPropertyOptional({ description: 'Only the votes of this user (exact name).' })
  @IsOptional()
  @Length(1, 100)
  @IsString()
  username?: string;

  @ApiPropertyOptional({ description: 'Only `up` or only `down` votes.', enum: ['up', 'down'] })
  @IsOptional()
  @IsIn(['up', 'down'])
  vote_type?: 'up' | 'down';

  @ApiPropertyOptional({ description: 'The page, from 1 (default 1).', default: 1 })
  @IsOptional()
  @QueryInteger()
  @Max(1_000_000)
  @Min(1)
  @IsInt()
  page?: number;

  @ApiPropertyOptional({
    description: 'Votes per page, at most 100 (default 50).',
    default: 50,
    maximum: 100,
  })
  @IsOptional()
  @QueryInteger()
  @Max(100)
  @Min(1)
  @IsInt()
  limit?: number;
}

export class VoteDto {
  @ApiProperty({ description: 'The vote id.', example: 9001 })
  id!: number;

  @ApiProperty({ description: 'The session the vote was cast in.', example: 12 })
  session_id!: number;

  @ApiProperty({ description: 'The catalog id of the game voted on.', example: 45 })
  game_id!: number;

  @ApiProperty({ description: 'The game title.', example: 'Fibbage 4' })
  game_title!: string;

  @ApiProperty({ description: 'The pack of the game.', example: 'The Jackbox Party Pack 9' })
  pack_name!: string;

  @ApiProperty({ description: 'The voter.', example: 'TestUser' })
  username!: string;

  @ApiProperty({ description: '`up` or `down`.', enum: ['up', 'down'] })
  vote_type!: 'up' | 'down';

  @ApiProperty({
    description: 'The time of the chat message.',
    example: '2025-11-01T20:30:00.000Z',
  })
  timestamp!: Date;

  @ApiProperty({ description: 'When the server recorded it.', example: '2025-11-01T20:30:00.120Z' })
  created_at!: Date;
}

export class PaginationDto {
  @ApiProperty({ description: 'This page, from 1.', example: 1 })
  page!: number;

  @ApiProperty({ description: 'Votes per page.', example: 50 })
  limit!: number;

  @ApiProperty({ description: 'Votes matching the filters.', example: 123 })
  total!: number;

  @ApiProperty({ description: 'Pages at this limit.', example: 3 })
  total_pages!: number;
}

export class VoteListDto {
  @ApiProperty({ description: 'This page of votes, newest first.', type: [VoteDto] })
  votes!: VoteDto[];

  @ApiProperty({ description: 'Where this page is.', type: PaginationDto })
  pagination!: PaginationDto;
}

export class GameVoteTotalsDto {
  @ApiProperty({ description: 'The catalog id of the game.', example: 45 })
  game_id!: number;

  @ApiProperty({ description: 'The game title.', example: 'Fibbage 4' })
  title!: string;

  @ApiProperty({ description: 'The pack of the game.', example: 'The Jackbox Party Pack 9' })
  pack_name!: string;

  @ApiProperty({ description: 'Up votes in this session.', example: 12 })
  upvotes!: number;

  @ApiProperty({ description: 'Down votes in this session.', example: 2 })
  downvotes!: number;

  @ApiProperty({ description: 'upvotes - downvotes in this session.', example: 10 })
  net_score!: number;

  @ApiProperty({ description: 'upvotes + downvotes in this session.', example: 14 })
  total_votes!: number;
}

export class SessionVotesDto {
  @ApiProperty({ description: 'The session id.', example: 12 })
  session_id!: number;

  @ApiProperty({
    description: 'One row per game that got votes in the session.',
    type: [GameVoteTotalsDto],
  })
  votes!: GameVoteTotalsDto[];
}

export class ChatMessageDto {
  @ApiProperty({ description: 'The chat user.', example: 'TestUser' })
  @MaxCodeUnits(100)
  @Length(1, 100)
  @IsString()
  username!: string;

  @ApiProperty({
    description: 'The message text; `thisgame++` or `thisgame--` anywhere in it is a vote.',
    example: 'this is great thisgame++',
  })
  @MaxLength(2000)
  @IsString()
  message!: string;

  @ApiProperty({ description: 'ISO 8601 time of the message.', example: '2025-11-01T20:31:12Z' })
  @Matches(ISO_TIMESTAMP, { message: 'timestamp must be an ISO 8601 date and time' })
  @IsString()
  timestamp!: string;
}

export const MAX_CHAT_MESSAGES = 50_000;

export class ChatImportDto {
  @ApiProperty({ description: 'The chat log, in any order.', type: [ChatMessageDto] })
  @ValidateNested({ each: true })
  @Type(() => ChatMessageDto)
  @ArrayMaxSize(MAX_CHAT_MESSAGES)
  @IsArray()
  chatData!: ChatMessageDto[];
}

class ChatImportGameDto {
  @ApiProperty({ description: 'The catalog id of the game.', example: 45 })
  game_id!: number;

  @ApiProperty({ description: 'The game title.', example: 'Fibbage 4' })
  title!: string;

  @ApiProperty({ description: 'Up votes this import counted.', example: 12 })
  upvotes!: number;

  @ApiProperty({ description: 'Down votes this import counted.', example: 2 })
  downvotes!: number;
}

export class ChatImportResultDto {
  @ApiProperty({ description: 'Always true.', example: true })
  success!: boolean;

  @ApiProperty({ description: 'A summary, in words.', example: 'Chat imported: 14 votes counted' })
  message!: string;

  @ApiProperty({ description: 'Messages in the log.', example: 1200 })
  total_messages!: number;

  @ApiProperty({ example: 16, description: 'Messages with thisgame++ or thisgame--.' })
  votes_found!: number;

  @ApiProperty({ description: 'Votes recorded by this import.', example: 14 })
  votes_counted!: number;

  @ApiProperty({
    example: 1,
    description: 'Same user within 1 second of a recorded vote (or already imported).',
  })
  duplicates_skipped!: number;

  @ApiProperty({ example: 1, description: 'Votes timed before the first game of the session.' })
  unmatched!: number;

  @ApiProperty({ example: 1184, description: 'Messages without a vote.' })
  ignored!: number;

  @ApiProperty({
    type: [ChatImportGameDto],
    description: 'Votes counted by this import, per game.',
  })
  games!: ChatImportGameDto[];
}
