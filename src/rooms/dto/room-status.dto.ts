import { ApiProperty } from '@nestjs/swagger';

const REASONS = [
  'room_closed',
  'room_not_found',
  'connection_failed',
  'role_rejected',
  'manually_stopped',
];

/** A session game's room: live while a monitor watches it, from the stored facts otherwise. */
export class RoomStatusDto {
  @ApiProperty({ description: 'The session id.', example: 123 })
  sessionId!: number;

  @ApiProperty({ example: 501, description: 'The session game id (sessionGameId).' })
  gameId!: number;

  @ApiProperty({ description: 'The Jackbox room code.', example: 'LSBN' })
  roomCode!: string;

  @ApiProperty({
    description: 'The Jackbox app tag the room reported, or null before the lookup.',
    example: 'quiplash3',
    nullable: true,
    type: String,
  })
  appTag!: string | null;

  @ApiProperty({ example: 8, nullable: true, type: Number, description: "The room's seat count." })
  maxPlayers!: number | null;

  @ApiProperty({
    example: 5,
    description: 'Players who joined; never goes down (Jackbox keeps seats for reconnection).',
  })
  playerCount!: number;

  @ApiProperty({
    example: ['ALICE', 'BOB'],
    type: [String],
    description: 'Empty when no monitor runs.',
  })
  players!: string[];

  @ApiProperty({
    description: "The room lobby's state (`WaitingForMore`, `CanStart`, `Countdown`), or null.",
    example: 'CanStart',
    nullable: true,
    type: String,
  })
  lobbyState!: string | null;

  @ApiProperty({
    description:
      "The room's state as the Jackbox service reports it (`Lobby`, `Gameplay`...), or null.",
    example: 'Lobby',
    nullable: true,
    type: String,
  })
  gameState!: string | null;

  @ApiProperty({ description: 'Whether the game in the room has started.', example: false })
  gameStarted!: boolean;

  @ApiProperty({ description: 'Whether the game in the room has ended.', example: false })
  gameFinished!: boolean;

  @ApiProperty({ example: true, description: 'Whether a monitor watches the room now.' })
  monitoring!: boolean;

  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    enum: REASONS,
    description: 'Why monitoring ended (or failed); null while it runs.',
  })
  reason!: string | null;

  @ApiProperty({
    example: true,
    nullable: true,
    type: Boolean,
    description:
      "Whether the room's app tag is the catalog game the admin picked; null while unknown (no app tag yet, or none in the catalog).",
  })
  appTagMatches!: boolean | null;
}
