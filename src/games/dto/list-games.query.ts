import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { QueryBoolean, QueryInteger } from '../../common/query-transforms';
import { MAX_PLAYERS_LIMIT } from '../../common/validators';

export class ListGamesQuery {
  @ApiPropertyOptional({
    description: 'Only enabled (`true`) or disabled (`false`) games.',
    enum: ['true', 'false'],
  })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ description: 'Games that allow this many players.' })
  @IsOptional()
  @QueryInteger()
  @Max(MAX_PLAYERS_LIMIT)
  @Min(1)
  @IsInt()
  playerCount?: number;

  @ApiPropertyOptional({
    description: '`only` drawing games, or `exclude` them.',
    enum: ['only', 'exclude'],
  })
  @IsOptional()
  @IsIn(['only', 'exclude'])
  drawing?: 'only' | 'exclude';

  @ApiPropertyOptional({
    enum: ['short', 'medium', 'long'],
    description: 'short <= 15 min or unknown, medium 16-25, long > 25',
  })
  @IsOptional()
  @IsIn(['short', 'medium', 'long'])
  length?: 'short' | 'medium' | 'long';

  @ApiPropertyOptional({
    description: 'Only family-friendly (`true`) games, or only the others (`false`).',
    enum: ['true', 'false'],
  })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  familyFriendly?: boolean;

  @ApiPropertyOptional({ description: 'Exact pack name.' })
  @IsOptional()
  @Length(1, 100)
  @IsString()
  pack?: string;
}
