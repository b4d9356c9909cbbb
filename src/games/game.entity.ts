import { ApiProperty } from '@nestjs/swagger';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A game of the catalog; property names are the wire (and column) names. */
@Entity({ name: 'games' })
export class Game {
  @ApiProperty({ example: 45 })
  @PrimaryGeneratedColumn()
  id!: number;

  @ApiProperty({ example: 'The Jackbox Party Pack 9' })
  @Column({ type: 'text' })
  pack_name!: string;

  @ApiProperty({ example: 'Fibbage 4' })
  @Column({ type: 'text' })
  title!: string;

  @ApiProperty({ example: 2 })
  @Column({ type: 'integer' })
  min_players!: number;

  @ApiProperty({ example: 8 })
  @Column({ type: 'integer' })
  max_players!: number;

  @ApiProperty({
    example: 20,
    nullable: true,
    type: Number,
    description: 'Typical length; null when unknown (counts as short).',
  })
  @Column({ type: 'integer', nullable: true })
  length_minutes!: number | null;

  @ApiProperty({ example: true })
  @Column({ type: 'boolean' })
  has_audience!: boolean;

  @ApiProperty({ example: true })
  @Column({ type: 'boolean' })
  family_friendly!: boolean;

  @ApiProperty({
    example: 'Trivia',
    nullable: true,
    type: String,
    description: '`Drawing` marks drawing games (the `drawing` filter).',
  })
  @Column({ type: 'text', nullable: true })
  game_type!: string | null;

  @ApiProperty({ example: 'Writing', nullable: true, type: String })
  @Column({ type: 'text', nullable: true })
  secondary_type!: string | null;

  @ApiProperty({ example: 12 })
  @Column({ type: 'integer', default: 0 })
  play_count!: number;

  @ApiProperty({ example: 46 })
  @Column({ type: 'integer', default: 0 })
  upvotes!: number;

  @ApiProperty({ example: 3 })
  @Column({ type: 'integer', default: 0 })
  downvotes!: number;

  @ApiProperty({ example: 43, description: 'upvotes - downvotes, kept by the database.' })
  @Column({
    type: 'integer',
    generatedType: 'STORED',
    asExpression: 'upvotes - downvotes',
    insert: false,
    update: false,
  })
  popularity_score!: number;

  @ApiProperty({ example: true })
  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @ApiProperty({
    example: 0,
    enum: [-1, 0, 1],
    description: 'Picker weight: 1 = x3, 0 = x1, -1 = x0.2.',
  })
  @Column({ type: 'smallint', default: 0 })
  favor_bias!: number;

  @ApiProperty({
    example: 'FIB4',
    nullable: true,
    type: String,
    description: 'Unique 2-6 letters/digits, for `FIB4++` votes.',
  })
  @Column({ type: 'text', nullable: true, unique: true })
  ticker!: string | null;

  @ApiProperty({ example: '2026-11-27T20:00:00.000Z' })
  @CreateDateColumn({ type: 'timestamptz' })
  created_at!: Date;
}
