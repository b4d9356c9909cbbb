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
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminOnly, type AuthenticatedRequest } from '../auth/jwt-auth.guard';
import { ApiErrors, badId, MISSING_ID, type ErrorDoc } from '../openapi/api-errors';
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

/** The `{id}` path parameter of every session route. */
export const SESSION_ID = ApiParam({
  name: 'id',
  description: 'The session id (GET /api/sessions, or GET /api/sessions/active).',
  example: 1,
});
/** The `{sessionGameId}` path parameter: a row of the session's games, not a catalog id. */
export const SESSION_GAME_ID = ApiParam({
  name: 'sessionGameId',
  description: "The session game's own id (`id` in GET /api/sessions/{id}/games), not the game id.",
  example: 1,
});
export const SESSION_NOT_FOUND: Record<number, ErrorDoc> = {
  404: {
    description: 'No session has this id',
    examples: { noSession: `Session ${MISSING_ID} not found` },
  },
};
const BAD_ID: Record<number, ErrorDoc> = {
  400: { description: 'The id is not a positive integer', examples: badId() },
};
const SESSION_GAME_ERRORS = (body: ErrorDoc['examples']): Record<number, ErrorDoc> => ({
  400: { description: 'A bad id, or a bad body', examples: body },
  404: {
    description: 'The session has no game with this sessionGameId (or there is no such session)',
    examples: { noSessionGame: 'Session game not found' },
  },
});

@ApiTags('sessions')
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
      'Every session without a limit. Headers: X-Total-Count (all sessions), X-Absolute-Total, and with an offset ' +
      'X-Prev-Last-Date (created_at of the row before the page).',
  })
  @ApiOkResponse({
    type: [SessionListItemDto],
    description: 'The page of sessions.',
    headers: {
      'X-Total-Count': { description: 'All sessions.', schema: { type: 'integer' } },
      'X-Absolute-Total': {
        description: 'All sessions (the same number).',
        schema: { type: 'integer' },
      },
      'X-Prev-Last-Date': {
        description: 'With an offset: created_at of the session just before this page.',
        schema: { type: 'string', format: 'date-time' },
      },
    },
  })
  @ApiErrors({
    400: {
      description: 'limit or offset is not a number',
      examples: { badLimit: 'limit must be a positive integer or "all"' },
    },
  })
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
  @ApiOperation({
    summary: 'The active session, or {session: null, message}',
    description: 'At most one session is active: the one games and live votes go to.',
  })
  @ApiOkResponse({
    description: 'The active session, or `{session: null, message}` when there is none.',
    schema: {
      oneOf: [{ $ref: getSchemaPath(SessionDto) }, { $ref: getSchemaPath(NoActiveSessionDto) }],
    },
  })
  async getActiveSession(): Promise<SessionDto | NoActiveSessionDto> {
    return (await this.sessions.findActive()) ?? { session: null, message: 'No active session' };
  }

  @Get(':id')
  @SESSION_ID
  @ApiOperation({ summary: 'One session', description: 'Active or closed.' })
  @ApiOkResponse({ type: SessionDto, description: 'The session.' })
  @ApiErrors({ ...BAD_ID, ...SESSION_NOT_FOUND })
  getSession(@Param('id', IdPipe) id: number): Promise<SessionDto> {
    return this.sessions.get(id);
  }

  @Post()
  @AdminOnly()
  @ApiOperation({
    summary: 'Start a session (only one can be active)',
    description: 'Emits `session.started`. The body, and its notes, are optional.',
  })
  @ApiBody({ type: NotesDto, required: false, description: 'Optional notes.' })
  @ApiCreatedResponse({ type: SessionDto, description: 'The new, active session.' })
  @ApiErrors({
    400: {
      description:
        'Another session is active (the body also has its activeSessionId), or bad notes',
      examples: {
        anotherActive: {
          error: 'An active session already exists. Please close it before creating a new one.',
          activeSessionId: 1,
        },
      },
    },
  })
  createSession(@Body() dto: NotesDto): Promise<SessionDto> {
    return this.sessions.create(dto.notes);
  }

  @Post(':id/close')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: 'Close a session, optionally writing its notes',
    description:
      'Emits `session.ended`. Notes sent here replace the session notes; the body is optional.',
  })
  @SESSION_ID
  @ApiBody({ type: NotesDto, required: false, description: 'Optional closing notes.' })
  @ApiOkResponse({ type: SessionDto, description: 'The closed session.' })
  @ApiErrors({
    ...BAD_ID,
    ...SESSION_NOT_FOUND,
    409: {
      description: 'The session is already closed',
      examples: { alreadyClosed: 'Session 1 is already closed' },
    },
  })
  closeSession(@Param('id', IdPipe) id: number, @Body() dto: NotesDto): Promise<SessionDto> {
    return this.sessions.close(id, dto.notes);
  }

  @Delete(':id')
  @AdminOnly()
  @SESSION_ID
  @ApiOperation({
    summary: 'Delete a closed session with its games and votes',
    description: "The games' vote counters and play counts lose what the session added to them.",
  })
  @ApiOkResponse({ type: SuccessDto, description: 'The session is gone.' })
  @ApiErrors({
    ...BAD_ID,
    ...SESSION_NOT_FOUND,
    409: {
      description: 'The session is active: close it first',
      examples: { active: 'Session 1 is active: close it before deleting it' },
    },
  })
  deleteSession(@Param('id', IdPipe) id: number): Promise<SuccessDto> {
    return this.sessions.remove(id);
  }

  @Put(':id/notes')
  @AdminOnly()
  @SESSION_ID
  @ApiOperation({
    summary: "Replace a session's notes (markdown)",
    description: 'Active or closed sessions alike.',
  })
  @ApiOkResponse({ type: SessionDto, description: 'The session with its new notes.' })
  @ApiErrors({
    400: { description: 'A bad id, or no notes', examples: { noNotes: 'notes must be a string' } },
    ...SESSION_NOT_FOUND,
  })
  @ApiBody({ type: RequiredNotesDto, description: 'The new notes.' })
  setSessionNotes(
    @Param('id', IdPipe) id: number,
    @Body() dto: RequiredNotesDto,
  ): Promise<SessionDto> {
    return this.sessions.setNotes(id, dto.notes);
  }

  @Delete(':id/notes')
  @AdminOnly()
  @SESSION_ID
  @ApiOperation({ summary: "Clear a session's notes", description: 'The notes become null.' })
  @ApiOkResponse({ type: SuccessDto, description: 'The notes are gone.' })
  @ApiErrors({ ...BAD_ID, ...SESSION_NOT_FOUND })
  async deleteSessionNotes(@Param('id', IdPipe) id: number): Promise<SuccessDto> {
    await this.sessions.setNotes(id, null);
    return { success: true, message: 'Notes deleted' };
  }

  @Get(':id/export')
  @AdminOnly()
  @SESSION_ID
  @ApiOperation({
    summary: 'Export a session (games, votes, notes) as text (default) or JSON',
    description:
      'Sent as a download (`Content-Disposition: attachment`), session-<id>.txt or .json.',
  })
  @ApiProduces('text/plain', 'application/json')
  @ApiOkResponse({
    description: 'The export, as text or JSON by `format`.',
    schema: { type: 'string', example: 'Jackbox Game Picker - session 12\n...' },
  })
  @ApiErrors({
    400: {
      description: 'A bad id, or a format other than txt and json',
      examples: { badFormat: 'format must be one of the following values: json, txt' },
    },
    ...SESSION_NOT_FOUND,
  })
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
  @SESSION_ID
  @ApiOperation({
    summary: "A session's games in play order, with the game fields",
    description:
      'Each row is a session game (its own id, for the routes below) joined with its catalog game.',
  })
  @ApiOkResponse({ type: [SessionGameDto], description: 'The games, first played first.' })
  @ApiErrors({ ...BAD_ID, ...SESSION_NOT_FOUND })
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
  @SESSION_ID
  @ApiBody({
    type: AddSessionGameDto,
    description: 'The game to add; a room code is optional.',
    examples: { game: { summary: 'Add game 1', value: { game_id: 1 } } },
  })
  @ApiCreatedResponse({ type: SessionGameDto, description: 'The new session game, now playing.' })
  @ApiErrors({
    400: {
      description: 'A bad id, a bad body, or `manually_added` and `source` that disagree',
      examples: {
        noGameId: 'game_id must be an integer number',
        contradiction:
          'manually_added true contradicts source "poll": manually_added is true exactly when source is "manual"',
      },
    },
    404: {
      description: 'No such session, or no such game',
      examples: {
        noSession: `Session ${MISSING_ID} not found`,
        noGame: `Game ${MISSING_ID} not found`,
      },
    },
    409: {
      description: 'The session is closed',
      examples: { closed: 'Session 1 is closed: games can only be added to the active session' },
    },
  })
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
  @SESSION_ID
  @ApiBody({
    type: GameSelectionDto,
    description: 'The game picked (usually by POST /api/pick) and where it came from.',
  })
  @ApiOkResponse({ type: PendingSelectionDto, description: 'The stored selection' })
  @ApiErrors({
    400: {
      description: 'A bad id, or a missing or bad game_id or source',
      examples: {
        ...badId(),
        badSource: 'source must be one of the following values: dice, manual, poll',
      },
    },
    404: {
      description: 'No such session or game',
      examples: {
        noSession: `Session ${MISSING_ID} not found`,
        noGame: `Game ${MISSING_ID} not found`,
      },
    },
    409: {
      description: 'The session is closed',
      examples: { closed: 'Session 1 is closed: only the active session has a game selection' },
    },
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
  @SESSION_ID
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
  @ApiErrors({
    400: { description: 'A bad id', examples: badId() },
    404: {
      description: 'No such session, or nothing is selected in it',
      examples: { nothingSelected: 'No game is selected in session 1' },
    },
  })
  dismissGameSelection(@Param('id', IdPipe) id: number): Promise<SuccessDto> {
    return this.selection.dismiss(id);
  }

  @Patch(':id/games/:sessionGameId/status')
  @AdminOnly()
  @ApiOperation({
    summary: "Set a session game's status (one `playing` at a time)",
    description:
      'Emits `session-game.updated`. Setting `playing` makes the playing game `played`; only the active session can have one playing.',
  })
  @SESSION_ID
  @SESSION_GAME_ID
  @ApiOkResponse({ type: SessionGameDto, description: 'The session game after the change.' })
  @ApiErrors({
    ...SESSION_GAME_ERRORS({
      badStatus: 'status must be one of the following values: playing, played, skipped',
    }),
    409: {
      description: 'playing, in a closed session',
      examples: { closed: 'Session 1 is closed: no game can be playing' },
    },
  })
  @ApiBody({ type: SessionGameStatusDto, description: 'The new status.' })
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
    description: 'Emits `session-game.updated`. null clears it.',
  })
  @SESSION_ID
  @SESSION_GAME_ID
  @ApiOkResponse({ type: SessionGameDto, description: 'The session game after the change.' })
  @ApiErrors(SESSION_GAME_ERRORS({ badCode: 'room_code must be 4 letters' }))
  @ApiBody({ type: RoomCodeDto, description: 'The room code, or null.' })
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
  @SESSION_ID
  @SESSION_GAME_ID
  @ApiOkResponse({ type: SessionGameDto, description: 'The session game after the change.' })
  @ApiErrors(SESSION_GAME_ERRORS({ badCount: 'player_count must not be less than 0' }))
  @ApiBody({ type: PlayerCountDto, description: 'The player count, or null.' })
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
  @SESSION_ID
  @SESSION_GAME_ID
  @ApiOkResponse({ type: SuccessDto, description: 'The session game is gone.' })
  @ApiErrors(SESSION_GAME_ERRORS({ badSessionGameId: 'sessionGameId must be a positive integer' }))
  removeSessionGame(
    @Param('id', IdPipe) id: number,
    @Param('sessionGameId', SessionGameId) sessionGameId: number,
  ): Promise<SuccessDto> {
    return this.sessionGames.remove(id, sessionGameId);
  }
}
