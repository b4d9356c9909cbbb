import { ApiProperty } from '@nestjs/swagger';
import { Game } from '../games/dto/game.dto';

export class PackPlaysDto {
  @ApiProperty({ example: 'The Jackbox Party Pack 7' })
  pack_name!: string;

  @ApiProperty({ example: 5 })
  game_count!: number;

  @ApiProperty({ example: 31 })
  play_count!: number;
}

export class StatsDto {
  @ApiProperty({ example: 63 })
  totalGames!: number;

  @ApiProperty({ example: 60 })
  enabledGames!: number;

  @ApiProperty({ example: 13 })
  totalPacks!: number;

  @ApiProperty({ example: 12 })
  totalSessions!: number;

  @ApiProperty({ example: 87, description: 'Games played across all sessions.' })
  gamesPlayed!: number;

  @ApiProperty({ example: 412, description: 'Votes counted (up + down).' })
  totalVotes!: number;

  @ApiProperty({ type: [Game], description: 'Top 10 by popularity_score.' })
  topRatedGames!: Game[];

  @ApiProperty({ type: [Game], description: 'Top 10 by play_count.' })
  mostPlayedGames!: Game[];

  @ApiProperty({ type: [PackPlaysDto] })
  packStats!: PackPlaysDto[];
}
