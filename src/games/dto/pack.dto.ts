import { ApiProperty } from '@nestjs/swagger';

export class PackDto {
  @ApiProperty({ example: 'The Jackbox Party Pack 9' })
  name!: string;

  @ApiProperty({ example: 0, enum: [-1, 0, 1] })
  favor_bias!: number;

  @ApiProperty({ example: true, description: 'True when at least one of its games is enabled.' })
  enabled!: boolean;

  @ApiProperty({ example: 5 })
  game_count!: number;
}

export class PackMetaDto {
  @ApiProperty({ example: 'The Jackbox Party Pack 9' })
  name!: string;

  @ApiProperty({ example: 5 })
  total_count!: number;

  @ApiProperty({ example: 4 })
  enabled_count!: number;

  @ApiProperty({ example: 17, description: "Sum of its games' play counts." })
  total_plays!: number;

  @ApiProperty({ example: 1, enum: [-1, 0, 1] })
  favor_bias!: number;
}

export class PackToggleResultDto {
  @ApiProperty({ example: 'Pack disabled' })
  message!: string;

  @ApiProperty({ example: 'The Jackbox Party Pack 9' })
  pack!: string;

  @ApiProperty({ example: false })
  enabled!: boolean;

  @ApiProperty({ example: 5 })
  games_updated!: number;
}

export class DeletedDto {
  @ApiProperty({ example: 'Game deleted' })
  message!: string;

  @ApiProperty({ example: 45 })
  id!: number;
}
