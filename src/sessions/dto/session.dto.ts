import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';

import { IsOptionalNotNull, IsRoomCode, MAX_ID, MAX_PLAYERS_LIMIT } from '../../common/validators';

export const MAX_NOTES_LENGTH = 50_000;

export const SESSION_GAME_SOURCES = ['dice', 'manual', 'poll'] as const;
export type SessionGameSource = (typeof SESSION_GAME_SOURCES)[number];

export class SessionDto {
  @ApiProperty({ example: 123 })
  id!: number;

  @ApiProperty({ example: 'Friday stream. **Quiplash** went great.', nullable: true, type: String })
  notes!: string | null;

  @ApiProperty({ example: true })
  is_active!: boolean;

  @ApiProperty({ example: '2025-11-01T20:00:00.000Z' })
  created_at!: Date;

  @ApiProperty({ example: null, nullable: true, type: String, format: 'date-time' })
  closed_at!: Date | null;

  @ApiProperty({ example: 5 })
  games_played!: number;
}

export class SessionListItemDto {
  @ApiProperty({ example: 123 })
  id!: number;

  @ApiProperty({ example: false })
  is_active!: boolean;

  @ApiProperty({ example: '2025-11-01T20:00:00.000Z' })
  created_at!: Date;

  @ApiProperty({
    example: '2025-11-01T23:10:00.000Z',
    nullable: true,
    type: String,
    format: 'date-time',
  })
  closed_at!: Date | null;

  @ApiProperty({ example: 7 })
  games_played!: number;

  @ApiProperty({ example: true })
  has_notes!: boolean;

  @ApiProperty({
    example: 'Friday stream.',
    nullable: true,
    type: String,
    description: 'First paragraph, at most 150 characters.',
  })
  notes_preview!: string | null;
}

export class NoActiveSessionDto {
  @ApiProperty({ example: null, nullable: true, type: Object })
  session!: null;

  @ApiProperty({ example: 'No active session' })
  message!: string;
}

export class NotesDto {
  @ApiPropertyOptional({
    example: 'Great night, chat loved Fibbage 4.',
    maxLength: MAX_NOTES_LENGTH,
  })
  @IsOptional()
  @MaxLength(MAX_NOTES_LENGTH)
  @IsString()
  notes?: string;
}

export class RequiredNotesDto {
  @ApiProperty({ example: 'Great night, chat loved Fibbage 4.', maxLength: MAX_NOTES_LENGTH })
  @MaxLength(MAX_NOTES_LENGTH)
  @IsString()
  notes!: string;
}

export class ListSessionsQuery {
  @ApiPropertyOptional({ example: '20', description: 'A number, or "all" (the default).' })
  @IsOptional()
  @Matches(/^(all|[1-9]\d{0,5})$/, { message: 'limit must be a positive integer or "all"' })
  limit?: string;

  @ApiPropertyOptional({ example: '0' })
  @IsOptional()
  @Matches(/^\d{1,9}$/, { message: 'offset must be a non-negative integer' })
  offset?: string;

  @ApiPropertyOptional({
    example: 'default',
    description: 'Accepted for compatibility; every session is listed.',
  })
  @IsOptional()
  @IsString()
  filter?: string;
}

export class ExportQuery {
  @ApiPropertyOptional({ enum: ['json', 'txt'], default: 'txt' })
  @IsOptional()
  @IsIn(['json', 'txt'])
  format?: 'json' | 'txt';
}

export class AddSessionGameDto {
  @ApiProperty({ example: 45 })
  @Max(MAX_ID)
  @Min(1)
  @IsInt()
  game_id!: number;

  @ApiPropertyOptional({
    example: false,
    default: false,
    description: 'Chosen by hand rather than by the picker.',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  manually_added?: boolean;

  @ApiPropertyOptional({
    enum: SESSION_GAME_SOURCES,
    example: 'poll',
    description:
      "Where the game came from: `dice` (the picker), `manual` or `poll` (a viewer poll's winner). Default: `manual` when `manually_added` is true, else `dice`.",
  })
  @IsOptionalNotNull()
  @IsIn(SESSION_GAME_SOURCES)
  source?: SessionGameSource;

  @ApiPropertyOptional({
    example: 'LSBN',
    nullable: true,
    type: String,
    description: 'The 4-character Jackbox room code.',
  })
  @IsOptional()
  @IsRoomCode()
  room_code?: string | null;
}

export class SessionGameStatusDto {
  @ApiProperty({ enum: ['playing', 'played', 'skipped'] })
  @IsIn(['playing', 'played', 'skipped'])
  status!: 'playing' | 'played' | 'skipped';
}

export class RoomCodeDto {
  @ApiProperty({
    example: 'LSBN',
    nullable: true,
    type: String,
    description: '4 letters; null clears it.',
  })
  @ValidateIf((_, value) => value !== null)
  @IsRoomCode()
  room_code!: string | null;
}

export class PlayerCountDto {
  @ApiProperty({ example: 6, nullable: true, type: Number, description: 'null clears it.' })
  @ValidateIf((_, value) => value !== null)
  @Max(MAX_PLAYERS_LIMIT)
  @Min(0)
  @IsInt()
  player_count!: number | null;
}

export class SessionGameDto {
  @ApiProperty({
    example: 501,
    description: 'The session game id (sessionGameId), not the game id.',
  })
  id!: number;

  @ApiProperty({ example: 123 })
  session_id!: number;

  @ApiProperty({ example: 45 })
  game_id!: number;

  @ApiProperty({ example: '2025-11-01T20:30:00.000Z' })
  played_at!: Date;

  @ApiProperty({ enum: ['playing', 'played', 'skipped'] })
  status!: 'playing' | 'played' | 'skipped';

  @ApiProperty({ example: false })
  manually_added!: boolean;

  @ApiProperty({
    enum: SESSION_GAME_SOURCES,
    example: 'dice',
    description: 'Where the game came from: the picker (`dice`), by hand (`manual`) or a poll.',
  })
  source!: SessionGameSource;

  @ApiProperty({ example: 'LSBN', nullable: true, type: String })
  room_code!: string | null;

  @ApiProperty({ example: 6, nullable: true, type: Number })
  player_count!: number | null;

  @ApiProperty({
    example: 'quiplash3',
    nullable: true,
    type: String,
    description: 'The Jackbox app tag of the room, once a room monitor has looked it up.',
  })
  app_tag!: string | null;

  @ApiProperty({
    example: 8,
    nullable: true,
    type: Number,
    description: "The room's own seat count, as its lookup reported it.",
  })
  room_max_players!: number | null;

  @ApiProperty({ example: 'CanStart', nullable: true, type: String })
  lobby_state!: string | null;

  @ApiProperty({ example: false, description: 'Whether a room monitor watches the room now.' })
  monitoring!: boolean;

  @ApiProperty({
    example: 'room_closed',
    nullable: true,
    type: String,
    enum: [
      'room_closed',
      'room_not_found',
      'connection_failed',
      'role_rejected',
      'manually_stopped',
    ],
    description: 'Why the last room monitor of this game stopped.',
  })
  monitor_reason!: string | null;

  @ApiProperty({ example: '2025-11-01T20:34:00.000Z', nullable: true, type: Date })
  game_started_at!: Date | null;

  @ApiProperty({ example: '2025-11-01T20:52:00.000Z', nullable: true, type: Date })
  game_ended_at!: Date | null;

  @ApiProperty({ example: 'Fibbage 4' })
  title!: string;

  @ApiProperty({ example: 'The Jackbox Party Pack 9' })
  pack_name!: string;

  @ApiProperty({ example: 2 })
  min_players!: number;

  @ApiProperty({ example: 8 })
  max_players!: number;

  @ApiProperty({ example: 'Trivia', nullable: true, type: String })
  game_type!: string | null;

  @ApiProperty({ example: true })
  family_friendly!: boolean;

  @ApiProperty({ example: 'FIB4', nullable: true, type: String })
  ticker!: string | null;

  @ApiProperty({ example: 46 })
  upvotes!: number;

  @ApiProperty({ example: 3 })
  downvotes!: number;

  @ApiProperty({ example: 43 })
  popularity_score!: number;
}

export class SuccessDto {
  @ApiProperty({ example: true })
  success!: boolean;

  @ApiProperty({ example: 'Notes deleted' })
  message!: string;
}
