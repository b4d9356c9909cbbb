import { ApiProperty } from '@nestjs/swagger';

export class PackDto {
  @ApiProperty({ description: 'The pack name.', example: 'The Jackbox Party Pack 9' })
  name!: string;

  @ApiProperty({
    description: "The pack's picker weight factor: 1 = x3, 0 = x1, -1 = x0.2.",
    example: 0,
    enum: [-1, 0, 1],
  })
  favor_bias!: number;

  @ApiProperty({ example: true, description: 'True when at least one of its games is enabled.' })
  enabled!: boolean;

  @ApiProperty({ description: 'Games in the pack.', example: 5 })
  game_count!: number;
}

export class PackMetaDto {
  @ApiProperty({ description: 'The pack name.', example: 'The Jackbox Party Pack 9' })
  name!: string;

  @ApiProperty({ description: 'Games in the pack.', example: 5 })
  total_count!: number;

  @ApiProperty({ description: 'Of them, the enabled ones.', example: 4 })
  enabled_count!: number;

  @ApiProperty({ example: 17, description: "Sum of its games' play counts." })
  total_plays!: number;

  @ApiProperty({
    description: "The pack's picker weight factor: 1 = x3, 0 = x1, -1 = x0.2.",
    example: 1,
    enum: [-1, 0, 1],
  })
  favor_bias!: number;
}

export class PackToggleResultDto {
  @ApiProperty({ description: '`Pack enabled` or `Pack disabled`.', example: 'Pack disabled' })
  message!: string;

  @ApiProperty({ description: 'The pack name.', example: 'The Jackbox Party Pack 9' })
  pack!: string;

  @ApiProperty({ description: 'The state every game of the pack now has.', example: false })
  enabled!: boolean;

  @ApiProperty({ description: 'Games whose state changed.', example: 5 })
  games_updated!: number;
}

export class DeletedDto {
  @ApiProperty({ description: 'Always `Game deleted`.', example: 'Game deleted' })
  message!: string;

  @ApiProperty({ description: 'The id of the deleted game.', example: 45 })
  id!: number;
}
