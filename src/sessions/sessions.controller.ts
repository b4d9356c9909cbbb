import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminOnly, type AuthenticatedRequest } from '../auth/jwt-auth.guard';
import { ErrorResponseDto } from '../common/error-body';
import { IdPipe } from '../common/id.pipe';
import {
  AddSessionGameDto,
  ExportQuery,
  GameSelectionDto,
  ListSessionsQuery,
  NoActiveSessionDto,
  NotesDto,
  PendingSelectionDto,
  PlayerCountDto,
  RequiredNotesDto,
  RoomCodeDto,
  SessionDto,
  SessionGameDto,
  SessionGameStatusDto,
  SessionListItemDto,
  SuccessDto,
} from './dto/session.dto';
import { formatSessionText, type SessionExport } from './session-export';
import { SessionExportService } from './session-export.service';
import { SessionGamesService } from './session-games.service';
import { SessionSelectionService } from './session-selection.service';
import { SessionsService } from './sessions.service';

const SessionGameId = new IdPipe('sessionGameId');

@ApiTags('sessions')
@ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid parameter or body' })
@ApiExtraModels(SessionDto, NoActiveSessionDto)
@Controller('api/sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly sessionGames: SessionGamesService,
    private readonly selection: SessionSelectionService,
    private readonly exporter: SessionExportService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List sessions, newest first',
    description:
      'Headers: X-Total-Count (all sessions), X-Absolute-Total, and with an offset X-Prev-Last-Date (created_at of the row before the page).',
  })
  @ApiOkResponse({ type: [SessionListItemDto] })
  async listSessions(
    @Query() query: ListSessionsQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionListItemDto[]> {
    const limit =
      query.limit === undefined || query.limit === 'all' ? undefined : Number(query.limit);
    const { sessions, total, prevLastDate } = await this.sessions.list(
      limit,
      Number(query.offset ?? 0),
    );
    void reply.header('X-Total-Count', String(total)).header('X-Absolute-Total', String(total));
    if (prevLastDate) void reply.header('X-Prev-Last-Date', prevLastDate.toISOString());
    return sessions;
  }

  @Get('active')
  @ApiOperation({ summary: 'The active session, or {session: null, message}' })
  @ApiOkResponse({
    schema: {
      oneOf: [{ $ref: getSchemaPath(SessionDto) }, { $ref: getSchemaPath(NoActiveSessionDto) }],
    },
  })
  async getActiveSession(): Promise<SessionDto | NoActiveSessionDto> {
    return (await this.sessions.findActive()) ?? { session: null, message: 'No active session' };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One session' })
  @ApiOkResponse({ type: SessionDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  getSession(@Param('id', IdPipe) id: number): Promise<SessionDto> {
    return this.sessions.get(id);
  }

  @Post()
  @AdminOnly()
  @ApiOperation({
    summary: 'Start a session (only one can be active)',
    description: 'Emits `session.started`.',
  })
  @ApiCreatedResponse({ type: SessionDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Another session is active: the body also has activeSessionId',
  })
  createSession(@Body() dto: NotesDto): Promise<SessionDto> {
    return this.sessions.create(dto.notes);
  }

  @Post(':id/close')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: 'Close a session, optionally writing its notes',
    description: 'Emits `session.ended`.',
  })
  @ApiOkResponse({ type: SessionDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Already closed' })
  closeSession(@Param('id', IdPipe) id: number, @Body() dto: NotesDto): Promise<SessionDto> {
    return this.sessions.close(id, dto.notes);
  }

  @Delete(':id')
  @AdminOnly()
  @ApiOperation({
    summary: 'Delete a closed session with its games and votes (vote counters follow)',
  })
  @ApiOkResponse({ type: SuccessDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The session is active' })
  deleteSession(@Param('id', IdPipe) id: number): Promise<SuccessDto> {
    return this.sessions.remove(id);
  }

  @Put(':id/notes')
  @AdminOnly()
  @ApiOperation({ summary: "Replace a session's notes (markdown)" })
  @ApiOkResponse({ type: SessionDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  setSessionNotes(
    @Param('id', IdPipe) id: number,
    @Body() dto: RequiredNotesDto,
  ): Promise<SessionDto> {
    return this.sessions.setNotes(id, dto.notes);
  }

  @Delete(':id/notes')
  @AdminOnly()
  @ApiOperation({ summary: "Clear a session's notes" })
  @ApiOkResponse({ type: SuccessDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async deleteSessionNotes(@Param('id', IdPipe) id: number): Promise<SuccessDto> {
    await this.sessions.setNotes(id, null);
    return { success: true, message: 'Notes deleted' };
  }

  @Get(':id/export')
  @AdminOnly()
  @ApiOperation({ summary: 'Export a session (games, votes, notes) as text (default) or JSON' })
  @ApiProduces('text/plain', 'application/json')
  @ApiOkResponse({
    description: 'The export',
    schema: { type: 'string', example: 'Jackbox Game Picker - session 12\n...' },
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async exportSession(
    @Param('id', IdPipe) id: number,
    @Query() query: ExportQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionExport | string> {
    const data = await this.exporter.export(id);
    const format = query.format ?? 'txt';
    void reply.header('content-disposition', `attachment; filename="session-${id}.${format}"`);
    if (format === 'json') return data;
    void reply.header('content-type', 'text/plain; charset=utf-8');
    return formatSessionText(data);
  }

  @Get(':id/games')
  @ApiOperation({ summary: "A session's games in play order, with the game fields" })
  @ApiOkResponse({ type: [SessionGameDto] })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  listSessionGames(@Param('id', IdPipe) id: number): Promise<SessionGameDto[]> {
    return this.sessionGames.list(id);
  }

  @Post(':id/games')
  @AdminOnly()
  @ApiOperation({
    summary: 'Add a game to the active session',
    description:
      "The new row is `playing`; the previous `playing` row becomes `played`; play_count goes up. Emits `game.added`. Clears the session's pending selection (emitting `game.dismissed` with reason `added`).",
  })
  @ApiCreatedResponse({ type: SessionGameDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'A bad field, or `manually_added` and `source` that disagree',
    example: {
      error:
        'manually_added true contradicts source "poll": manually_added is true exactly when source is "manual"',
    },
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such session or game' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The session is closed' })
  addGameToSession(
    @Param('id', IdPipe) id: number,
    @Body() dto: AddSessionGameDto,
  ): Promise<SessionGameDto> {
    return this.sessionGames.add(id, dto);
  }

  @Post(':id/game-selection')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: "Select the active session's next game without adding it",
    description:
      "Stores the pick on the session, replacing any earlier one, so every admin sees it (the session's reads show it as `pending_selection`). Emits `game.picked`. Adding a game to the session, or closing it, clears the selection.",
  })
  @ApiOkResponse({ type: PendingSelectionDto, description: 'The stored selection' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'A missing or bad game_id or source',
    example: { error: 'source must be one of the following values: dice, manual, poll' },
  })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'No such session or game',
    example: { error: 'Game 999 not found' },
  })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'The session is closed',
    example: { error: 'Session 12 is closed: only the active session has a game selection' },
  })
  selectGame(
    @Param('id', IdPipe) id: number,
    @Body() dto: GameSelectionDto,
    @Req() request: AuthenticatedRequest,
  ): Promise<PendingSelectionDto> {
    return this.selection.select(id, dto, request.admin!.name);
  }

  @Delete(':id/game-selection')
  @AdminOnly()
  @ApiOperation({
    summary: "Dismiss the session's pending selection",
    description:
      'Emits `game.dismissed` (reason `dismissed`). When nothing is selected (another admin dismissed it or added a game first), answers 404 and emits nothing.',
  })
  @ApiOkResponse({
    type: SuccessDto,
    description: 'The selection was cleared',
    example: { success: true, message: 'Selection of game 45 dismissed' },
  })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'No such session, or nothing is selected in it',
    example: { error: 'No game is selected in session 12' },
  })
  dismissGameSelection(@Param('id', IdPipe) id: number): Promise<SuccessDto> {
    return this.selection.dismiss(id);
  }

  @Patch(':id/games/:sessionGameId/status')
  @AdminOnly()
  @ApiOperation({
    summary: "Set a session game's status (one `playing` at a time)",
    description: 'Emits `session-game.updated`.',
  })
  @ApiOkResponse({ type: SessionGameDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  setSessionGameStatus(
    @Param('id', IdPipe) id: number,
    @Param('sessionGameId', SessionGameId) sessionGameId: number,
    @Body() dto: SessionGameStatusDto,
  ): Promise<SessionGameDto> {
    return this.sessionGames.setStatus(id, sessionGameId, dto.status);
  }

  @Patch(':id/games/:sessionGameId/room-code')
  @AdminOnly()
  @ApiOperation({
    summary: "Set or clear a session game's room code",
    description: 'Emits `session-game.updated`.',
  })
  @ApiOkResponse({ type: SessionGameDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  setSessionGameRoomCode(
    @Param('id', IdPipe) id: number,
    @Param('sessionGameId', SessionGameId) sessionGameId: number,
    @Body() dto: RoomCodeDto,
  ): Promise<SessionGameDto> {
    return this.sessionGames.setRoomCode(id, sessionGameId, dto.room_code);
  }

  @Patch(':id/games/:sessionGameId/player-count')
  @AdminOnly()
  @ApiOperation({
    summary: "Set or clear a session game's player count",
    description: 'A manual override. Emits `session-game.updated`, then `player-count.updated`.',
  })
  @ApiOkResponse({ type: SessionGameDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  setSessionGamePlayerCount(
    @Param('id', IdPipe) id: number,
    @Param('sessionGameId', SessionGameId) sessionGameId: number,
    @Body() dto: PlayerCountDto,
  ): Promise<SessionGameDto> {
    return this.sessionGames.setPlayerCount(id, sessionGameId, dto.player_count);
  }

  @Delete(':id/games/:sessionGameId')
  @AdminOnly()
  @ApiOperation({
    summary: 'Remove a game from a session',
    description: 'Emits `session-game.updated` with change `removed`.',
  })
  @ApiOkResponse({ type: SuccessDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  removeSessionGame(
    @Param('id', IdPipe) id: number,
    @Param('sessionGameId', SessionGameId) sessionGameId: number,
  ): Promise<SuccessDto> {
    return this.sessionGames.remove(id, sessionGameId);
  }
}
