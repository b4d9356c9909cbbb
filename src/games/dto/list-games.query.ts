import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { QueryBoolean, QueryInteger } from '../../common/query-transforms';
import { MAX_PLAYERS_LIMIT } from '../../common/validators';

export class ListGamesQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ example: 6, description: 'Games that allow this many players.' })
  @IsOptional()
  @QueryInteger()
  @Max(MAX_PLAYERS_LIMIT)
  @Min(1)
  @IsInt()
  playerCount?: number;

  @ApiPropertyOptional({ enum: ['only', 'exclude'] })
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

  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  familyFriendly?: boolean;

  @ApiPropertyOptional({ example: 'The Jackbox Party Pack 9', description: 'Exact pack name.' })
  @IsOptional()
  @Length(1, 100)
  @IsString()
  pack?: string;
}
