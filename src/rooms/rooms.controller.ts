import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../auth/jwt-auth.guard';
import { ErrorResponseDto } from '../common/error-body';
import { IdPipe } from '../common/id.pipe';
import { RoomStatusDto } from './dto/room-status.dto';
import { RoomsService } from './rooms.service';

const SessionGameId = new IdPipe('sessionGameId');

@ApiTags('sessions')
@ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid parameter' })
@ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such session game' })
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
  @ApiOkResponse({ type: RoomStatusDto })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The game is not playing, or has no room code',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'Room monitoring is off, or this server watches ROOM_MONITOR_MAX rooms already',
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
  @ApiOkResponse({ type: RoomStatusDto })
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
  @ApiOkResponse({ type: RoomStatusDto })
  getLiveStatus(
    @Param('id', IdPipe) id: number,
    @Param('sessionGameId', SessionGameId) sessionGameId: number,
  ): Promise<RoomStatusDto> {
    return this.rooms.status(id, sessionGameId);
  }
}
