import { ApiProperty } from '@nestjs/swagger';
import { Game } from '../games/dto/game.dto';

export class PackPlaysDto {
  @ApiProperty({ description: 'The pack name.', example: 'The Jackbox Party Pack 7' })
  pack_name!: string;

  @ApiProperty({ description: 'Games in the pack.', example: 5 })
  game_count!: number;

  @ApiProperty({ description: "Sum of its games' play counts.", example: 31 })
  play_count!: number;
}

export class StatsDto {
  @ApiProperty({ description: 'Games in the catalog.', example: 63 })
  totalGames!: number;

  @ApiProperty({ description: 'Of them, the enabled ones.', example: 60 })
  enabledGames!: number;

  @ApiProperty({ description: 'Packs in the catalog.', example: 13 })
  totalPacks!: number;

  @ApiProperty({ description: 'Sessions, active and closed.', example: 12 })
  totalSessions!: number;

  @ApiProperty({ example: 87, description: 'Games played across all sessions.' })
  gamesPlayed!: number;

  @ApiProperty({ example: 412, description: 'Votes counted (up + down).' })
  totalVotes!: number;

  @ApiProperty({ type: [Game], description: 'Top 10 by popularity_score.' })
  topRatedGames!: Game[];

  @ApiProperty({ type: [Game], description: 'Top 10 by play_count.' })
  mostPlayedGames!: Game[];

  @ApiProperty({ description: 'Plays per pack.', type: [PackPlaysDto] })
  packStats!: PackPlaysDto[];
}
