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
import { IsTicker, MAX_ID } from '../../common/validators';
import { ISO_TIMESTAMP } from '../../common/timestamp';

export class LiveVoteDto {
  @ApiProperty({ example: 'TestUser', description: 'Username of the voter' })
  @Trim()
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
  @Matches(ISO_TIMESTAMP, {
    message: 'timestamp must be an ISO 8601 date and time, e.g. 2025-11-01T20:30:00Z',
  })
  @IsString()
  timestamp!: string;

  @ApiPropertyOptional({
    example: 'FIB4',
    description: 'Vote for this game directly (TICKER++), in or out of the session.',
  })
  @IsOptional()
  @IsTicker()
  ticker?: string;
}

class LiveVoteSessionDto {
  @ApiProperty({ example: 123 })
  id!: number;

  @ApiProperty({ example: 5 })
  games_played!: number;
}

class LiveVoteGameDto {
  @ApiProperty({ example: 45 })
  id!: number;

  @ApiProperty({ example: 'Fibbage 4' })
  title!: string;

  @ApiProperty({ example: 46 })
  upvotes!: number;

  @ApiProperty({ example: 3 })
  downvotes!: number;

  @ApiProperty({ example: 43 })
  popularity_score!: number;
}

class LiveVoteEchoDto {
  @ApiProperty({ example: 'TestUser' })
  username!: string;

  @ApiProperty({ enum: ['up', 'down'] })
  type!: 'up' | 'down';

  @ApiProperty({ example: '2025-11-01T20:30:00Z' })
  timestamp!: string;
}

export class LiveVoteResponseDto {
  @ApiProperty({ example: true })
  success!: boolean;

  @ApiProperty({ example: 'Vote recorded successfully' })
  message!: string;

  @ApiProperty({ type: LiveVoteSessionDto })
  session!: LiveVoteSessionDto;

  @ApiProperty({ type: LiveVoteGameDto })
  game!: LiveVoteGameDto;

  @ApiProperty({ type: LiveVoteEchoDto })
  vote!: LiveVoteEchoDto;
}

export class ListVotesQuery {
  @ApiPropertyOptional({ example: 12 })
  @IsOptional()
  @QueryInteger()
  @Max(MAX_ID)
  @Min(1)
  @IsInt()
  session_id?: number;

  @ApiPropertyOptional({ example: 45 })
  @IsOptional()
  @QueryInteger()
  @Max(MAX_ID)
  @Min(1)
  @IsInt()
  game_id?: number;

  @ApiPropertyOptional({ example: 'TestUser' })
  @IsOptional()
  @Length(1, 100)
  @IsString()
  username?: string;

  @ApiPropertyOptional({ enum: ['up', 'down'] })
  @IsOptional()
  @IsIn(['up', 'down'])
  vote_type?: 'up' | 'down';

  @ApiPropertyOptional({ example: 1, default: 1 })
  @IsOptional()
  @QueryInteger()
  @Max(1_000_000)
  @Min(1)
  @IsInt()
  page?: number;

  @ApiPropertyOptional({ example: 50, default: 50, maximum: 100 })
  @IsOptional()
  @QueryInteger()
  @Max(100)
  @Min(1)
  @IsInt()
  limit?: number;
}

export class VoteDto {
  @ApiProperty({ example: 9001 })
  id!: number;

  @ApiProperty({ example: 12 })
  session_id!: number;

  @ApiProperty({ example: 45 })
  game_id!: number;

  @ApiProperty({ example: 'Fibbage 4' })
  game_title!: string;

  @ApiProperty({ example: 'The Jackbox Party Pack 9' })
  pack_name!: string;

  @ApiProperty({ example: 'TestUser' })
  username!: string;

  @ApiProperty({ enum: ['up', 'down'] })
  vote_type!: 'up' | 'down';

  @ApiProperty({ example: '2025-11-01T20:30:00.000Z' })
  timestamp!: Date;

  @ApiProperty({ example: '2025-11-01T20:30:00.120Z' })
  created_at!: Date;
}

export class PaginationDto {
  @ApiProperty({ example: 1 })
  page!: number;

  @ApiProperty({ example: 50 })
  limit!: number;

  @ApiProperty({ example: 123 })
  total!: number;

  @ApiProperty({ example: 3 })
  total_pages!: number;
}

export class VoteListDto {
  @ApiProperty({ type: [VoteDto] })
  votes!: VoteDto[];

  @ApiProperty({ type: PaginationDto })
  pagination!: PaginationDto;
}

export class GameVoteTotalsDto {
  @ApiProperty({ example: 45 })
  game_id!: number;

  @ApiProperty({ example: 'Fibbage 4' })
  title!: string;

  @ApiProperty({ example: 'The Jackbox Party Pack 9' })
  pack_name!: string;

  @ApiProperty({ example: 12 })
  upvotes!: number;

  @ApiProperty({ example: 2 })
  downvotes!: number;

  @ApiProperty({ example: 10 })
  net_score!: number;

  @ApiProperty({ example: 14 })
  total_votes!: number;
}

export class SessionVotesDto {
  @ApiProperty({ example: 12 })
  session_id!: number;

  @ApiProperty({ type: [GameVoteTotalsDto] })
  votes!: GameVoteTotalsDto[];
}

export class ChatMessageDto {
  @ApiProperty({ example: 'TestUser' })
  @Length(1, 100)
  @IsString()
  username!: string;

  @ApiProperty({ example: 'this is great thisgame++' })
  @MaxLength(2000)
  @IsString()
  message!: string;

  @ApiProperty({ example: '2025-11-01T20:31:12Z' })
  @Matches(ISO_TIMESTAMP, { message: 'timestamp must be an ISO 8601 date and time' })
  @IsString()
  timestamp!: string;
}

export const MAX_CHAT_MESSAGES = 50_000;

export class ChatImportDto {
  @ApiProperty({ type: [ChatMessageDto] })
  @ValidateNested({ each: true })
  @Type(() => ChatMessageDto)
  @ArrayMaxSize(MAX_CHAT_MESSAGES)
  @IsArray()
  chatData!: ChatMessageDto[];
}

class ChatImportGameDto {
  @ApiProperty({ example: 45 })
  game_id!: number;

  @ApiProperty({ example: 'Fibbage 4' })
  title!: string;

  @ApiProperty({ example: 12 })
  upvotes!: number;

  @ApiProperty({ example: 2 })
  downvotes!: number;
}

export class ChatImportResultDto {
  @ApiProperty({ example: true })
  success!: boolean;

  @ApiProperty({ example: 'Chat imported: 14 votes counted' })
  message!: string;

  @ApiProperty({ example: 1200 })
  total_messages!: number;

  @ApiProperty({ example: 16, description: 'Messages with thisgame++ or thisgame--.' })
  votes_found!: number;

  @ApiProperty({ example: 14 })
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
