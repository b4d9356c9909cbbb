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

/** How a game came to be played: the picker (`dice`), an admin's choice, or the viewers' poll. */
export const GAME_SOURCES = ['dice', 'manual', 'poll'] as const;
export type GameSource = (typeof GAME_SOURCES)[number];
const SOURCE_DESCRIPTION =
  "`dice`: picked by the picker; `manual`: chosen by hand; `poll`: won a viewers' poll.";

/** The game an admin picked for the session and has not added yet. */
export class PendingSelectionDto {
  @ApiProperty({ example: 45, description: 'The catalog id of the selected game.' })
  game_id!: number;

  @ApiProperty({ example: 'Fibbage 4', description: "The selected game's title." })
  title!: string;

  @ApiProperty({ example: 'The Jackbox Party Pack 9', description: 'Its pack.' })
  pack_name!: string;

  @ApiProperty({ enum: GAME_SOURCES, example: 'dice', description: SOURCE_DESCRIPTION })
  source!: GameSource;

  @ApiProperty({ example: 'Alice', description: 'The admin who selected it.' })
  selected_by!: string;

  @ApiProperty({ example: '2025-11-01T20:28:00.000Z', description: 'When it was selected.' })
  selected_at!: string;
}

/** What every session read says of the pending selection. */
class PendingSelectionFields {
  @ApiProperty({
    example: 45,
    nullable: true,
    type: Number,
    description: 'The game selected and not added yet (see pending_selection), or null.',
  })
  pending_game_id!: number | null;

  @ApiProperty({
    example: 'dice',
    nullable: true,
    type: String,
    enum: GAME_SOURCES,
    description: 'Where the selected game came from, or null when nothing is selected.',
  })
  pending_game_source!: GameSource | null;

  @ApiProperty({
    type: PendingSelectionDto,
    nullable: true,
    description:
      'The game an admin selected and nobody has added yet, shared by every admin; null when none. Adding a game or closing the session clears it.',
  })
  pending_selection!: PendingSelectionDto | null;
}

export class SessionDto extends PendingSelectionFields {
  @ApiProperty({ description: 'The session id.', example: 123 })
  id!: number;

  @ApiProperty({
    description: 'Markdown notes, or null.',
    example: 'Friday stream. **Quiplash** went great.',
    nullable: true,
    type: String,
  })
  notes!: string | null;

  @ApiProperty({
    description: 'Whether this is the active session (at most one is).',
    example: true,
  })
  is_active!: boolean;

  @ApiProperty({ description: 'When the session started.', example: '2025-11-01T20:00:00.000Z' })
  created_at!: Date;

  @ApiProperty({
    description: 'When it was closed; null while active.',
    example: null,
    nullable: true,
    type: String,
    format: 'date-time',
  })
  closed_at!: Date | null;

  @ApiProperty({ description: 'Games added to the session so far.', example: 5 })
  games_played!: number;
}

export class SessionListItemDto extends PendingSelectionFields {
  @ApiProperty({ description: 'The session id.', example: 123 })
  id!: number;

  @ApiProperty({ description: 'Whether this is the active session.', example: false })
  is_active!: boolean;

  @ApiProperty({ description: 'When the session started.', example: '2025-11-01T20:00:00.000Z' })
  created_at!: Date;

  @ApiProperty({
    description: 'When it was closed; null while active.',
    example: '2025-11-01T23:10:00.000Z',
    nullable: true,
    type: String,
    format: 'date-time',
  })
  closed_at!: Date | null;

  @ApiProperty({ description: 'Games added to the session.', example: 7 })
  games_played!: number;

  @ApiProperty({ description: 'Whether the session has notes.', example: true })
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
  @ApiProperty({
    description: 'Always null: no session is active.',
    example: null,
    nullable: true,
    type: Object,
  })
  session!: null;

  @ApiProperty({ description: 'Always `No active session`.', example: 'No active session' })
  message!: string;
}

export class NotesDto {
  @ApiPropertyOptional({
    description: 'Markdown notes to store with the session.',
    example: 'Great night, chat loved Fibbage 4.',
    maxLength: MAX_NOTES_LENGTH,
  })
  @IsOptional()
  @MaxLength(MAX_NOTES_LENGTH)
  @IsString()
  notes?: string;
}

export class RequiredNotesDto {
  @ApiProperty({
    description: 'The new notes (markdown); they replace the old ones.',
    example: 'Great night, chat loved Fibbage 4.',
    maxLength: MAX_NOTES_LENGTH,
  })
  @MaxLength(MAX_NOTES_LENGTH)
  @IsString()
  notes!: string;
}

export class ListSessionsQuery {
  @ApiPropertyOptional({ description: 'A number, or "all" (the default).' })
  @IsOptional()
  @Matches(/^(all|[1-9]\d{0,5})$/, { message: 'limit must be a positive integer or "all"' })
  limit?: string;

  @ApiPropertyOptional({
    description: 'Sessions to skip (default 0), e.g. 20 for the second page of 20.',
  })
  @IsOptional()
  @Matches(/^\d{1,9}$/, { message: 'offset must be a non-negative integer' })
  offset?: string;

  @ApiPropertyOptional({
    description: 'Accepted for compatibility; every session is listed.',
  })
  @IsOptional()
  @IsString()
  filter?: string;
}

export class ExportQuery {
  @ApiPropertyOptional({
    description: '`txt` (readable text, the default) or `json`.',
    enum: ['json', 'txt'],
    default: 'txt',
  })
  @IsOptional()
  @IsIn(['json', 'txt'])
  format?: 'json' | 'txt';
}

export class AddSessionGameDto {
  @ApiProperty({ description: 'The catalog id of the game (GET /api/games).', example: 45 })
  @Max(MAX_ID)
  @Min(1)
  @IsInt()
  game_id!: number;

  @ApiPropertyOptional({
    example: false,
    default: false,
    description:
      'Chosen by hand rather than by the picker: the same as `source: "manual"`. Given alone, it sets the source (true: `manual`, false: `dice`); given with a `source` it must agree with it (400 otherwise).',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  manually_added?: boolean;

  @ApiPropertyOptional({
    enum: GAME_SOURCES,
    example: 'poll',
    description: `${SOURCE_DESCRIPTION} Default: from \`manually_added\` when it is given, else the source of the session's pending selection when that is this game, else \`dice\`.`,
  })
  @IsOptionalNotNull()
  @IsIn(GAME_SOURCES)
  source?: GameSource;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description:
      'The 4-letter Jackbox room code, e.g. LSBN; with room monitoring on, its room is watched.',
  })
  @IsOptional()
  @IsRoomCode()
  room_code?: string | null;
}

export class GameSelectionDto {
  @ApiProperty({ example: 45, description: 'The catalog id of the game picked for the session.' })
  @Max(MAX_ID)
  @Min(1)
  @IsInt()
  game_id!: number;

  @ApiProperty({ enum: GAME_SOURCES, example: 'dice', description: SOURCE_DESCRIPTION })
  @IsIn(GAME_SOURCES)
  source!: GameSource;
}

export class SessionGameStatusDto {
  @ApiProperty({
    description: '`playing` (the previous playing game becomes played), `played` or `skipped`.',
    enum: ['playing', 'played', 'skipped'],
  })
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

  @ApiProperty({ description: 'The session id.', example: 123 })
  session_id!: number;

  @ApiProperty({ description: 'The catalog id of the game.', example: 45 })
  game_id!: number;

  @ApiProperty({
    description: 'When the game was added to the session.',
    example: '2025-11-01T20:30:00.000Z',
  })
  played_at!: Date;

  @ApiProperty({
    description: '`playing` (at most one per session), `played` or `skipped`.',
    enum: ['playing', 'played', 'skipped'],
  })
  status!: 'playing' | 'played' | 'skipped';

  @ApiProperty({ example: false, description: 'True exactly when `source` is `manual`.' })
  manually_added!: boolean;

  @ApiProperty({
    enum: GAME_SOURCES,
    example: 'dice',
    description: `How the game came to be played. ${SOURCE_DESCRIPTION}`,
  })
  source!: GameSource;

  @ApiProperty({
    description: 'The Jackbox room code, or null.',
    example: 'LSBN',
    nullable: true,
    type: String,
  })
  room_code!: string | null;

  @ApiProperty({
    description: 'Players in the room: set by hand or by a room monitor; null when unknown.',
    example: 6,
    nullable: true,
    type: Number,
  })
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

  @ApiProperty({
    description:
      "The room lobby's last known state (`WaitingForMore`, `CanStart`, `Countdown`), or null.",
    example: 'CanStart',
    nullable: true,
    type: String,
  })
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

  @ApiProperty({
    description: 'When a room monitor saw the game start, or null.',
    example: '2025-11-01T20:34:00.000Z',
    nullable: true,
    type: Date,
  })
  game_started_at!: Date | null;

  @ApiProperty({
    description: 'When a room monitor saw the game end, or null.',
    example: '2025-11-01T20:52:00.000Z',
    nullable: true,
    type: Date,
  })
  game_ended_at!: Date | null;

  @ApiProperty({ description: 'The game title.', example: 'Fibbage 4' })
  title!: string;

  @ApiProperty({ description: 'The pack of the game.', example: 'The Jackbox Party Pack 9' })
  pack_name!: string;

  @ApiProperty({ description: 'Fewest players the game takes.', example: 2 })
  min_players!: number;

  @ApiProperty({ description: 'Most players the game takes.', example: 8 })
  max_players!: number;

  @ApiProperty({
    description: 'The genre; `Drawing` marks drawing games.',
    example: 'Trivia',
    nullable: true,
    type: String,
  })
  game_type!: string | null;

  @ApiProperty({ description: 'Whether the game suits a family stream.', example: true })
  family_friendly!: boolean;

  @ApiProperty({
    description: 'The game ticker for `TICKER++` votes, or null.',
    example: 'FIB4',
    nullable: true,
    type: String,
  })
  ticker!: string | null;

  @ApiProperty({ description: 'Up votes of the game, all sessions together.', example: 46 })
  upvotes!: number;

  @ApiProperty({ description: 'Down votes of the game, all sessions together.', example: 3 })
  downvotes!: number;

  @ApiProperty({ description: 'upvotes - downvotes.', example: 43 })
  popularity_score!: number;
}

export class SuccessDto {
  @ApiProperty({ description: 'Always true.', example: true })
  success!: boolean;

  @ApiProperty({ description: 'What was done.', example: 'Notes deleted' })
  message!: string;
}
