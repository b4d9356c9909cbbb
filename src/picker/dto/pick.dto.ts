import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import { IsOptionalNotNull, MAX_ID, MAX_PLAYERS_LIMIT } from '../../common/validators';
import { Game } from '../../games/dto/game.dto';

export class PickDto {
  @ApiPropertyOptional({ example: 6, description: 'Only games that allow this many players.' })
  @IsOptionalNotNull()
  @Max(MAX_PLAYERS_LIMIT)
  @Min(1)
  @IsInt()
  playerCount?: number;

  @ApiPropertyOptional({
    description: '`only` drawing games, or `exclude` them.',
    enum: ['only', 'exclude'],
  })
  @IsOptionalNotNull()
  @IsIn(['only', 'exclude'])
  drawing?: 'only' | 'exclude';

  @ApiPropertyOptional({
    enum: ['short', 'medium', 'long'],
    description: 'short <= 15 min or unknown, medium 16-25, long > 25',
  })
  @IsOptionalNotNull()
  @IsIn(['short', 'medium', 'long'])
  length?: 'short' | 'medium' | 'long';

  @ApiPropertyOptional({
    description: 'Only family-friendly games (true) or only the others (false).',
    example: true,
  })
  @IsOptionalNotNull()
  @IsBoolean()
  familyFriendly?: boolean;

  @ApiPropertyOptional({ example: 'The Jackbox Party Pack 7', description: 'Only this pack.' })
  @IsOptionalNotNull()
  @Length(1, 100)
  @IsString()
  pack?: string;

  @ApiPropertyOptional({
    example: ['The Jackbox Party Pack 7', 'The Jackbox Party Pack 9'],
    description: 'Only these packs.',
  })
  @IsOptionalNotNull()
  @Length(1, 100, { each: true })
  @IsString({ each: true })
  @ArrayMaxSize(50)
  @ArrayMinSize(1)
  @IsArray()
  packs?: string[];

  @ApiPropertyOptional({
    example: 12,
    description: 'Avoid repeats in this session: its last two games, or all with excludePlayed.',
  })
  @IsOptionalNotNull()
  @Max(MAX_ID)
  @Min(1)
  @IsInt()
  sessionId?: number;

  @ApiPropertyOptional({
    example: false,
    description: 'With sessionId: avoid every game already in the session.',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  excludePlayed?: boolean;
}

export class PickResultDto {
  @ApiProperty({ description: 'The picked game.', type: Game })
  game!: Game;

  @ApiProperty({ example: 23, description: 'How many games were eligible.' })
  poolSize!: number;
}
