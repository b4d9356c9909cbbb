import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  APP_TAG_PATTERN,
  APP_TAG_RULE,
  IsAppTag,
  IsOptionalNotNull,
  IsTicker,
  MAX_PLAYERS_LIMIT,
} from '../../common/validators';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { Trim } from '../../common/query-transforms';

export class CreateGameDto {
  @ApiProperty({ description: 'The pack; created when new.', example: 'The Jackbox Party Pack 9' })
  @Trim()
  @Length(1, 100)
  @IsString()
  pack_name!: string;

  @ApiProperty({ description: 'The title, unique within its pack.', example: 'Fibbage 4' })
  @Trim()
  @Length(1, 100)
  @IsString()
  title!: string;

  @ApiProperty({
    description: 'Fewest players (1 or more).',
    example: 2,
    minimum: 1,
    maximum: MAX_PLAYERS_LIMIT,
  })
  @Max(MAX_PLAYERS_LIMIT)
  @Min(1)
  @IsInt()
  min_players!: number;

  @ApiProperty({
    description: 'Most players (at least min_players).',
    example: 8,
    minimum: 1,
    maximum: MAX_PLAYERS_LIMIT,
  })
  @Max(MAX_PLAYERS_LIMIT)
  @Min(1)
  @IsInt()
  max_players!: number;

  @ApiPropertyOptional({
    description: 'Typical length in minutes; null or absent when unknown.',
    example: 20,
    nullable: true,
    type: Number,
    minimum: 1,
    maximum: 600,
  })
  @IsOptional()
  @Max(600)
  @Min(1)
  @IsInt()
  length_minutes?: number | null;

  @ApiPropertyOptional({
    description: 'Whether viewers can join as the audience.',
    example: true,
    default: false,
  })
  @IsOptionalNotNull()
  @IsBoolean()
  has_audience?: boolean;

  @ApiPropertyOptional({
    description: 'Whether the game suits a family stream.',
    example: true,
    default: false,
  })
  @IsOptionalNotNull()
  @IsBoolean()
  family_friendly?: boolean;

  @ApiPropertyOptional({
    example: 'Trivia',
    nullable: true,
    type: String,
    description: 'Use `Drawing` for drawing games.',
  })
  @IsOptional()
  @Trim()
  @Length(1, 50)
  @IsString()
  game_type?: string | null;

  @ApiPropertyOptional({
    description: 'A second genre.',
    example: 'Writing',
    nullable: true,
    type: String,
  })
  @IsOptional()
  @Trim()
  @Length(1, 50)
  @IsString()
  secondary_type?: string | null;

  @ApiPropertyOptional({
    description: 'Whether the picker may choose it.',
    example: true,
    default: true,
  })
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    description: 'Picker weight: 1 = x3, 0 = x1, -1 = x0.2.',
    example: 0,
    enum: [-1, 0, 1],
    default: 0,
  })
  @IsOptionalNotNull()
  @IsIn([-1, 0, 1])
  favor_bias?: number;

  @ApiPropertyOptional({
    example: 'FIB4',
    nullable: true,
    type: String,
    description: '2-6 letters or digits, unique.',
  })
  @IsOptional()
  @IsTicker()
  ticker?: string | null;

  @ApiPropertyOptional({
    example: 'quiplash3',
    nullable: true,
    type: String,
    pattern: APP_TAG_PATTERN.source,
    description: `The game's Jackbox app tag, as a room reports it: ${APP_TAG_RULE}; unique. Null clears it.`,
  })
  @IsOptional()
  @IsAppTag()
  app_tag?: string | null;
}

/** `PUT /api/games/:id`: any subset of the fields; the rest keep their values. */
export class UpdateGameDto extends PartialType(CreateGameDto, { skipNullProperties: false }) {}

export class FavorDto {
  @ApiProperty({
    description: '1 favors (x3 picker weight), 0 is neutral, -1 disfavors (x0.2).',
    example: 1,
    enum: [-1, 0, 1],
  })
  @IsIn([-1, 0, 1])
  favor_bias!: number;
}

export class PackToggleDto {
  @ApiProperty({ example: false, description: 'Enable or disable every game of the pack.' })
  @IsBoolean()
  enabled!: boolean;
}
