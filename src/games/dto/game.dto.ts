import { ApiProperty } from '@nestjs/swagger';

/** A game of the catalog; property names are the wire (and column) names. */
export class Game {
  @ApiProperty({ description: 'The game id.', example: 45 })
  id!: number;

  @ApiProperty({
    description: 'The pack the game belongs to.',
    example: 'The Jackbox Party Pack 9',
  })
  pack_name!: string;

  @ApiProperty({ description: 'The title, unique within its pack.', example: 'Fibbage 4' })
  title!: string;

  @ApiProperty({ description: 'Fewest players the game takes.', example: 2 })
  min_players!: number;

  @ApiProperty({ description: 'Most players the game takes.', example: 8 })
  max_players!: number;

  @ApiProperty({
    example: 20,
    nullable: true,
    type: Number,
    description: 'Typical length; null when unknown (counts as short).',
  })
  length_minutes!: number | null;

  @ApiProperty({ description: 'Whether viewers can join as the audience.', example: true })
  has_audience!: boolean;

  @ApiProperty({ description: 'Whether the game suits a family stream.', example: true })
  family_friendly!: boolean;

  @ApiProperty({
    example: 'Trivia',
    nullable: true,
    type: String,
    description: '`Drawing` marks drawing games (the `drawing` filter).',
  })
  game_type!: string | null;

  @ApiProperty({
    description: 'A second genre, or null.',
    example: 'Writing',
    nullable: true,
    type: String,
  })
  secondary_type!: string | null;

  @ApiProperty({ description: 'Times the game was added to a session.', example: 12 })
  play_count!: number;

  @ApiProperty({ description: 'Up votes, all sessions together.', example: 46 })
  upvotes!: number;

  @ApiProperty({ description: 'Down votes, all sessions together.', example: 3 })
  downvotes!: number;

  @ApiProperty({ example: 43, description: 'upvotes - downvotes, kept by the database.' })
  popularity_score!: number;

  @ApiProperty({ description: 'Whether the picker may choose it.', example: true })
  enabled!: boolean;

  @ApiProperty({
    example: 0,
    enum: [-1, 0, 1],
    description: 'Picker weight: 1 = x3, 0 = x1, -1 = x0.2.',
  })
  favor_bias!: number;

  @ApiProperty({
    example: 'FIB4',
    nullable: true,
    type: String,
    description: 'Unique 2-6 letters/digits, for `FIB4++` votes.',
  })
  ticker!: string | null;

  @ApiProperty({
    example: 'quiplash3',
    nullable: true,
    type: String,
    description:
      'The Jackbox app tag a room reports for this game (unique), linking a watched room to the catalog; null when unknown.',
  })
  app_tag!: string | null;

  @ApiProperty({
    description: 'When the game was added to the catalog.',
    example: '2026-11-27T20:00:00.000Z',
  })
  created_at!: Date;
}
