import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/jwt-auth.guard';
import { ApiErrors, type ErrorDoc } from '../openapi/api-errors';
import { SESSION_GAME_ID, SESSION_ID } from '../sessions/sessions.controller';
import { IdPipe } from '../common/id.pipe';
import { RoomStatusDto } from './dto/room-status.dto';
import { RoomsService } from './rooms.service';

const SessionGameId = new IdPipe('sessionGameId');

const NOT_FOUND: Record<number, ErrorDoc> = {
  400: {
    description: 'An id is not a positive integer',
    examples: { badSessionGameId: 'sessionGameId must be a positive integer' },
  },
  404: {
    description: 'The session has no game with this sessionGameId (or there is no such session)',
    examples: { noSessionGame: 'Session game not found' },
  },
};

@ApiTags('sessions')
@SESSION_ID
@SESSION_GAME_ID
@Controller('api/sessions')
export class RoomsController {
  constructor(private readonly rooms: RoomsService) {}

  @Post(':id/games/:sessionGameId/start-player-check')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: "Start watching the playing game's Jackbox room",
    description:
      'Watches the room of its room code: `room.connected`, `lobby.player-joined`, `lobby.updated`, `game.started`, `game.ended` (the game becomes played), `room.disconnected`. Already watched: nothing changes.',
  })
  @ApiOkResponse({ type: RoomStatusDto, description: 'The room as the monitor sees it.' })
  @ApiErrors({
    ...NOT_FOUND,
    409: {
      description: 'The game is not playing, or has no room code',
      examples: {
        notPlaying: 'Session game 1 is played: only the playing game can be monitored',
        noRoomCode: 'Session game 2 has no room code: set one with PATCH .../room-code first',
      },
    },
    503: {
      description: 'Room monitoring is off, or this server watches ROOM_MONITOR_MAX rooms already',
      examples: { off: 'Room monitoring is turned off on this server' },
    },
  })
  startPlayerCheck(
    @Param('id', IdPipe) id: number,
    @Param('sessionGameId', SessionGameId) sessionGameId: number,
  ): Promise<RoomStatusDto> {
    return this.rooms.startPlayerCheck(id, sessionGameId);
  }

  @Post(':id/games/:sessionGameId/stop-player-check')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: "Stop watching the game's room",
    description:
      'Emits `room.disconnected` with reason `manually_stopped` when a monitor ran, once, whichever server watches the room (it lets the room go within a third of `ROOM_LEASE_MS`).',
  })
  @ApiOkResponse({ type: RoomStatusDto, description: 'The room after the monitor stopped.' })
  @ApiErrors(NOT_FOUND)
  stopPlayerCheck(
    @Param('id', IdPipe) id: number,
    @Param('sessionGameId', SessionGameId) sessionGameId: number,
  ): Promise<RoomStatusDto> {
    return this.rooms.stopPlayerCheck(id, sessionGameId);
  }

  @Get(':id/games/:sessionGameId/status-live')
  @ApiOperation({
    summary: "The game's room, live",
    description:
      'The monitor snapshot while a monitor runs on this server, the same shape as `game.status`; otherwise the stored facts (`players` empty).',
  })
  @ApiOkResponse({ type: RoomStatusDto, description: "The room's status." })
  @ApiErrors(NOT_FOUND)
  getLiveStatus(
    @Param('id', IdPipe) id: number,
    @Param('sessionGameId', SessionGameId) sessionGameId: number,
  ): Promise<RoomStatusDto> {
    return this.rooms.status(id, sessionGameId);
  }
}
