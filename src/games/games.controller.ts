import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AdminOnly } from '../auth/jwt-auth.guard';
import { ApiErrors, badId, MISSING_ID } from '../openapi/api-errors';
import { IdPipe } from '../common/id.pipe';
import { createValidationPipe } from '../common/validation.pipe';
import { ImportCsvJsonDto, ImportCsvQuery, ImportResultDto } from './dto/csv.dto';
import { CreateGameDto, FavorDto, PackToggleDto, UpdateGameDto } from './dto/game-input.dto';
import { ListGamesQuery } from './dto/list-games.query';
import { DeletedDto, PackDto, PackMetaDto, PackToggleResultDto } from './dto/pack.dto';
import { Game } from './dto/game.dto';
import { CatalogImportService } from './catalog-import.service';
import { GamesService } from './games.service';

const CSV_EXAMPLE =
  'pack_name,title,min_players,max_players,length_minutes,has_audience,family_friendly,game_type,secondary_type,enabled,favor_bias,ticker,app_tag\nThe Jackbox Party Pack 7,Quiplash 3,3,8,15,true,true,Writing,,true,0,QPL3,quiplash3\n';

const GAME_ID = ApiParam({ name: 'id', description: 'The game id (GET /api/games).', example: 1 });
const PACK_NAME = ApiParam({
  name: 'name',
  description: 'The exact pack name (GET /api/games/packs).',
  example: 'The Jackbox Party Pack 9',
});
const GAME_NOT_FOUND = {
  404: { description: 'No game has this id', examples: { noGame: `Game ${MISSING_ID} not found` } },
};
const PACK_NOT_FOUND = {
  404: {
    description: 'No pack has this name',
    examples: { noPack: 'Pack "No Such Pack" not found' },
  },
};

@ApiTags('games')
@ApiExtraModels(ImportCsvJsonDto)
@Controller('api/games')
export class GamesController {
  constructor(
    private readonly games: GamesService,
    private readonly catalog: CatalogImportService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List games, filtered; ordered by pack then title',
    description:
      'Every filter is optional; without any, the whole catalog, disabled games included.',
  })
  @ApiOkResponse({ type: [Game], description: 'The matching games.' })
  @ApiErrors({
    400: {
      description: 'A filter has a value it does not take',
      examples: { badPlayerCount: 'playerCount must be an integer number' },
    },
  })
  listGames(@Query() query: ListGamesQuery): Promise<Game[]> {
    return this.games.list(query);
  }

  @Get('packs')
  @ApiOperation({
    summary: 'List packs',
    description: 'Every pack with its favor and game count, by name.',
  })
  @ApiOkResponse({ type: [PackDto], description: 'The packs.' })
  listPacks(): Promise<PackDto[]> {
    return this.games.listPacks();
  }

  @Get('meta/packs')
  @ApiOperation({
    summary: 'Per-pack counts, plays and favor',
    description: 'For each pack: its games, the enabled ones, their plays and the pack favor.',
  })
  @ApiOkResponse({ type: [PackMetaDto], description: 'One row per pack.' })
  getPacksMeta(): Promise<PackMetaDto[]> {
    return this.games.packsMeta();
  }

  @Get('export/csv')
  @AdminOnly()
  @Header('content-type', 'text/csv; charset=utf-8')
  @Header('content-disposition', 'attachment; filename="jackbox-games.csv"')
  @ApiOperation({
    summary: 'Export the catalog as CSV',
    description: `Columns: pack_name, title, min_players, max_players, length_minutes, has_audience, family_friendly, game_type, secondary_type, enabled, favor_bias, ticker, app_tag. Play counts and votes are not part of it.`,
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({
    description: 'The CSV file, one game per line.',
    schema: { type: 'string', example: CSV_EXAMPLE },
  })
  exportGamesCsv(): Promise<string> {
    return this.catalog.exportCsv();
  }

  @Post('import/csv')
  @AdminOnly()
  @ApiOperation({
    summary: 'Import a catalog CSV',
    description:
      'Send the file as a `text/csv` body (mode in `?mode=`) or as JSON `{csv, mode}`. Columns as in the export; ' +
      'pack_name, title, min_players and max_players are required, the others optional (a file without the ' +
      '`app_tag` column, as older exports are, leaves the tags as they are). `merge` (default) adds new ' +
      'games and updates existing ones matched by pack and title; `replace` also removes games the file does not list ' +
      '(disabling those with session history). A file with any bad line is refused as a whole (400 listing the lines) ' +
      'and changes nothing.',
  })
  @ApiConsumes('text/csv', 'application/json')
  @ApiBody({
    description: 'The CSV file as the body, or JSON `{csv, mode}`.',
    schema: {
      oneOf: [{ type: 'string', example: CSV_EXAMPLE }, { $ref: getSchemaPath(ImportCsvJsonDto) }],
    },
  })
  @ApiCreatedResponse({ type: ImportResultDto, description: 'What the import changed.' })
  @ApiErrors({
    400: {
      description:
        'A bad line (all of them listed, at most 20), or a body that is neither CSV nor {csv}',
      examples: {
        missingColumn:
          'CSV refused, nothing was changed: line 1: missing required columns min_players, max_players',
      },
    },
  })
  async importGamesCsv(
    @Req() request: FastifyRequest,
    @Query() query: ImportCsvQuery,
  ): Promise<ImportResultDto> {
    if (typeof request.body === 'string') {
      return this.catalog.importCsv(request.body, query.mode ?? 'merge');
    }
    const dto = (await createValidationPipe().transform(request.body ?? {}, {
      type: 'body',
      metatype: ImportCsvJsonDto,
    })) as ImportCsvJsonDto;
    return this.catalog.importCsv(dto.csv, dto.mode ?? query.mode ?? 'merge');
  }

  @Get(':id')
  @GAME_ID
  @ApiOperation({ summary: 'Get one game', description: 'The game with its play count and votes.' })
  @ApiOkResponse({ type: Game, description: 'The game.' })
  @ApiErrors({
    400: { description: 'The id is not a positive integer', examples: badId() },
    ...GAME_NOT_FOUND,
  })
  getGame(@Param('id', IdPipe) id: number): Promise<Game> {
    return this.games.get(id);
  }

  @Post()
  @AdminOnly()
  @ApiOperation({
    summary: 'Add a game (its pack is created if new)',
    description:
      'Only pack_name, title, min_players and max_players are required. The example is a game the ' +
      'seeded catalog has already: it answers 409.',
  })
  @ApiCreatedResponse({ type: Game, description: 'The new game.' })
  @ApiErrors({
    400: {
      description: 'A field is missing or out of range',
      examples: { noTitle: 'title must be a string' },
    },
    409: {
      description: 'Same title in the pack, or the ticker or app tag is taken',
      examples: {
        sameTitle: 'A game titled "Fibbage 4" already exists in "The Jackbox Party Pack 9"',
      },
    },
  })
  @ApiBody({ type: CreateGameDto, description: 'The game.' })
  createGame(@Body() dto: CreateGameDto): Promise<Game> {
    return this.games.create(dto);
  }

  @Put(':id')
  @AdminOnly()
  @GAME_ID
  @ApiOperation({
    summary: 'Update a game (any subset of its fields)',
    description: 'Fields left out keep their values; null clears the nullable ones.',
  })
  @ApiBody({
    type: UpdateGameDto,
    description: 'The fields to change.',
    examples: {
      familyFriendly: { summary: 'Mark it family friendly', value: { family_friendly: true } },
    },
  })
  @ApiOkResponse({ type: Game, description: 'The game after the change.' })
  @ApiErrors({
    400: {
      description: 'A bad id, or a field out of range',
      examples: { badPlayers: 'min_players must not exceed max_players' },
    },
    ...GAME_NOT_FOUND,
    409: {
      description: 'The new title, ticker or app tag is taken by another game',
      examples: { tickerTaken: 'Ticker FIB4 is already used by another game' },
    },
  })
  updateGame(@Param('id', IdPipe) id: number, @Body() dto: UpdateGameDto): Promise<Game> {
    return this.games.update(id, dto);
  }

  @Delete(':id')
  @AdminOnly()
  @GAME_ID
  @ApiOperation({
    summary: 'Delete a game that has never been played in a session',
    description: 'A game with session history or votes stays, so that history keeps its titles.',
  })
  @ApiOkResponse({ type: DeletedDto, description: 'The game is gone.' })
  @ApiErrors({
    400: { description: 'The id is not a positive integer', examples: badId() },
    ...GAME_NOT_FOUND,
    409: {
      description: 'Played in a session or voted on: disable it instead',
      examples: {
        hasHistory: `Game 1 has session history or votes, so it stays; disable it instead`,
      },
    },
  })
  async deleteGame(@Param('id', IdPipe) id: number): Promise<DeletedDto> {
    await this.games.remove(id);
    return { message: 'Game deleted', id };
  }

  @Patch(':id/toggle')
  @AdminOnly()
  @GAME_ID
  @ApiOperation({
    summary: 'Flip a game between enabled and disabled',
    description: 'The picker never chooses a disabled game.',
  })
  @ApiOkResponse({ type: Game, description: 'The game after the flip.' })
  @ApiErrors({
    400: { description: 'The id is not a positive integer', examples: badId() },
    ...GAME_NOT_FOUND,
  })
  toggleGame(@Param('id', IdPipe) id: number): Promise<Game> {
    return this.games.toggle(id);
  }

  @Patch(':id/favor')
  @AdminOnly()
  @GAME_ID
  @ApiOperation({
    summary: "Set a game's favor bias (-1, 0, 1)",
    description: 'Its picker weight: 1 = x3, 0 = x1, -1 = x0.2, times its pack favor.',
  })
  @ApiOkResponse({ type: Game, description: 'The game after the change.' })
  @ApiErrors({
    400: {
      description: 'A bad id, or a favor other than -1, 0, 1',
      examples: { badFavor: 'favor_bias must be one of the following values: -1, 0, 1' },
    },
    ...GAME_NOT_FOUND,
  })
  @ApiBody({ type: FavorDto, description: 'The new favor.' })
  setGameFavor(@Param('id', IdPipe) id: number, @Body() dto: FavorDto): Promise<Game> {
    return this.games.setFavor(id, dto.favor_bias);
  }

  @Patch('packs/:name/toggle')
  @AdminOnly()
  @PACK_NAME
  @ApiOperation({
    summary: 'Enable or disable every game of a pack',
    description: 'Sets every game of the pack to `enabled`.',
  })
  @ApiOkResponse({ type: PackToggleResultDto, description: 'How many games changed.' })
  @ApiErrors({
    400: {
      description: 'enabled is missing or not a boolean',
      examples: { noEnabled: 'enabled must be a boolean value' },
    },
    ...PACK_NOT_FOUND,
  })
  @ApiBody({ type: PackToggleDto, description: 'The state for every game of the pack.' })
  togglePack(
    @Param('name') name: string,
    @Body() dto: PackToggleDto,
  ): Promise<PackToggleResultDto> {
    return this.games.togglePack(name, dto.enabled);
  }

  @Patch('packs/:name/favor')
  @AdminOnly()
  @PACK_NAME
  @ApiOperation({
    summary: "Set a pack's favor bias (-1, 0, 1)",
    description: "It multiplies its games' picker weights: 1 = x3, 0 = x1, -1 = x0.2.",
  })
  @ApiOkResponse({ type: PackMetaDto, description: 'The pack after the change.' })
  @ApiErrors({
    400: {
      description: 'A favor other than -1, 0, 1',
      examples: { badFavor: 'favor_bias must be one of the following values: -1, 0, 1' },
    },
    ...PACK_NOT_FOUND,
  })
  @ApiBody({ type: FavorDto, description: 'The new favor.' })
  setPackFavor(@Param('name') name: string, @Body() dto: FavorDto): Promise<PackMetaDto> {
    return this.games.setPackFavor(name, dto.favor_bias);
  }
}
