import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { Trim } from '../../common/query-transforms';
import { IsChatTimestamp, IsOptionalNotNull, MAX_ID } from '../../common/validators';
import { OPTION_RULE, parseOption } from '../poll-standings';

export const MAX_POLL_OPTIONS = 10;
export const MAX_COUNTDOWN_SECONDS = 300;

export class PollOptionInputDto {
  @ApiPropertyOptional({
    example: 45,
    description: 'A catalog game; its title is the label. Give `game_id` or `label`, not both.',
  })
  @IsOptionalNotNull()
  @Max(MAX_ID)
  @Min(1)
  @IsInt()
  game_id?: number;

  @ApiPropertyOptional({
    example: 'Other',
    description: 'A free option (1 to 100 characters), such as "Other": not a catalog game.',
  })
  @IsOptionalNotNull()
  @Trim()
  @Length(1, 100)
  @IsString()
  label?: string;
}

export class StartPollDto {
  @ApiPropertyOptional({
    type: [PollOptionInputDto],
    example: [{ game_id: 45 }, { game_id: 12 }, { label: 'Other' }],
    description: `2 to ${MAX_POLL_OPTIONS} options, numbered from 1 in this order. Without it: 3 games drawn by the weighted picker (enabled games, the session's last two games left out, no game twice) and "Other".`,
  })
  @IsOptional()
  @ArrayMaxSize(MAX_POLL_OPTIONS)
  @ArrayMinSize(2)
  @ValidateNested({ each: true })
  @Type(() => PollOptionInputDto)
  @IsArray()
  options?: PollOptionInputDto[];
}

export class EndPollDto {
  @ApiPropertyOptional({
    example: 30,
    minimum: 0,
    maximum: MAX_COUNTDOWN_SECONDS,
    description: `Seconds before the poll ends (0 to ${MAX_COUNTDOWN_SECONDS}); 0 or none ends it at once. A second call replaces a running countdown.`,
  })
  @IsOptionalNotNull()
  @Max(MAX_COUNTDOWN_SECONDS)
  @Min(0)
  @IsInt()
  delay?: number;
}

export class PollVoteDto {
  @ApiProperty({ example: 'TestUser', description: 'The viewer (one vote per viewer per poll)' })
  @Trim()
  @Length(1, 100)
  @IsString()
  username!: string;

  @ApiProperty({
    oneOf: [{ type: 'integer', minimum: 1 }, { type: 'string' }],
    example: 2,
    description:
      'The option as typed in chat: its number (`2` or `"2"`) or the ticker of a game in the poll (`"FIB4"`, any case).',
  })
  @ValidateBy({
    name: 'isPollOption',
    validator: {
      validate: (value) => parseOption(value) !== undefined,
      defaultMessage: () => OPTION_RULE,
    },
  })
  option!: number | string;

  @ApiProperty({
    example: '2025-11-01T20:30:00Z',
    description: 'ISO 8601 time of the chat message',
  })
  @IsChatTimestamp()
  timestamp!: string;
}

export class PollChoiceDto {
  @ApiProperty({ example: 1, description: "The option's number, as viewers type it" })
  option!: number;

  @ApiProperty({
    example: 45,
    nullable: true,
    type: Number,
    description: 'The catalog game; null for "Other" and other labels',
  })
  game_id!: number | null;

  @ApiProperty({ example: 'Fibbage 4', description: "The game's title, or the free label" })
  label!: string;
}

/** An option with its standing. */
export class PollOptionDto extends PollChoiceDto {
  @ApiProperty({
    example: 'FIB4',
    nullable: true,
    type: String,
    description: "The game's ticker, which viewers may vote with too",
  })
  ticker!: string | null;

  @ApiProperty({ example: 12, description: 'Votes for it now' })
  votes!: number;
}

export class PollLeaderDto extends PollChoiceDto {
  @ApiProperty({ example: 12, description: 'Its votes' })
  votes!: number;
}

export class PollDto {
  @ApiProperty({ example: 123, description: 'The session' })
  session_id!: number;

  @ApiProperty({
    example: 7,
    nullable: true,
    type: Number,
    description: "The session's newest poll; null when it never had one",
  })
  poll_id!: number | null;

  @ApiProperty({
    enum: ['open', 'ended'],
    example: 'open',
    nullable: true,
    type: String,
    description: 'null: no poll',
  })
  status!: 'open' | 'ended' | null;

  @ApiProperty({
    example: '2025-11-01T21:00:00.000Z',
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When it opened; null: no poll',
  })
  started_at!: Date | null;

  @ApiProperty({
    example: '2025-11-01T21:02:00.000Z',
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When a running countdown ends it; null without one',
  })
  ends_at!: Date | null;

  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When it ended; null while open',
  })
  ended_at!: Date | null;

  @ApiProperty({ example: 27, description: 'Viewers who voted' })
  total_votes!: number;

  @ApiProperty({
    type: [PollOptionDto],
    description: 'Every option in order, with its votes (none: no poll)',
    example: [
      { option: 1, game_id: 45, label: 'Fibbage 4', ticker: 'FIB4', votes: 12 },
      { option: 2, game_id: 12, label: 'Quiplash 3', ticker: 'QUIP3', votes: 9 },
      { option: 3, game_id: null, label: 'Other', ticker: null, votes: 6 },
    ],
  })
  options!: PollOptionDto[];

  @ApiProperty({
    type: PollLeaderDto,
    nullable: true,
    example: { option: 1, game_id: 45, label: 'Fibbage 4', votes: 12 },
    description:
      'The option ahead (a tie goes to the option that reached that count first); null with no poll or no votes. Once the poll ended: its winner.',
  })
  leader!: PollLeaderDto | null;
}

export class PollVoteResultDto {
  @ApiProperty({ example: true, description: 'Always true: failures answer an error' })
  success!: boolean;

  @ApiProperty({ example: 'Poll vote recorded', description: 'What happened' })
  message!: string;

  @ApiProperty({ example: 'TestUser', description: 'The viewer, as sent' })
  username!: string;

  @ApiProperty({
    type: PollChoiceDto,
    description: 'The option the vote now counts for',
    example: { option: 1, game_id: 45, label: 'Fibbage 4' },
  })
  option!: PollChoiceDto;
}
