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
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AdminOnly } from '../auth/jwt-auth.guard';
import { ErrorResponseDto } from '../common/error-body';
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

@ApiTags('games')
@ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid parameter or body' })
@Controller('api/games')
export class GamesController {
  constructor(
    private readonly games: GamesService,
    private readonly catalog: CatalogImportService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List games, filtered; ordered by pack then title' })
  @ApiOkResponse({ type: [Game] })
  listGames(@Query() query: ListGamesQuery): Promise<Game[]> {
    return this.games.list(query);
  }

  @Get('packs')
  @ApiOperation({ summary: 'List packs' })
  @ApiOkResponse({ type: [PackDto] })
  listPacks(): Promise<PackDto[]> {
    return this.games.listPacks();
  }

  @Get('meta/packs')
  @ApiOperation({ summary: 'Per-pack counts, plays and favor' })
  @ApiOkResponse({ type: [PackMetaDto] })
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
  @ApiOkResponse({ description: 'The CSV file', schema: { type: 'string', example: CSV_EXAMPLE } })
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
    schema: {
      oneOf: [
        { type: 'string', example: CSV_EXAMPLE },
        { $ref: '#/components/schemas/ImportCsvJsonDto' },
      ],
    },
  })
  @ApiCreatedResponse({ type: ImportResultDto })
  @ApiConflictResponse({ type: ErrorResponseDto })
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
  @ApiOperation({ summary: 'Get one game' })
  @ApiOkResponse({ type: Game })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  getGame(@Param('id', IdPipe) id: number): Promise<Game> {
    return this.games.get(id);
  }

  @Post()
  @AdminOnly()
  @ApiOperation({ summary: 'Add a game (its pack is created if new)' })
  @ApiCreatedResponse({ type: Game })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'Same title in the pack, or ticker or app tag taken',
  })
  createGame(@Body() dto: CreateGameDto): Promise<Game> {
    return this.games.create(dto);
  }

  @Put(':id')
  @AdminOnly()
  @ApiOperation({ summary: 'Update a game (any subset of its fields)' })
  @ApiOkResponse({ type: Game })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto })
  updateGame(@Param('id', IdPipe) id: number, @Body() dto: UpdateGameDto): Promise<Game> {
    return this.games.update(id, dto);
  }

  @Delete(':id')
  @AdminOnly()
  @ApiOperation({ summary: 'Delete a game that has never been played in a session' })
  @ApiOkResponse({ type: DeletedDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'Played in a session: disable it instead',
  })
  async deleteGame(@Param('id', IdPipe) id: number): Promise<DeletedDto> {
    await this.games.remove(id);
    return { message: 'Game deleted', id };
  }

  @Patch(':id/toggle')
  @AdminOnly()
  @ApiOperation({ summary: 'Flip a game between enabled and disabled' })
  @ApiOkResponse({ type: Game })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  toggleGame(@Param('id', IdPipe) id: number): Promise<Game> {
    return this.games.toggle(id);
  }

  @Patch(':id/favor')
  @AdminOnly()
  @ApiOperation({ summary: "Set a game's favor bias (-1, 0, 1)" })
  @ApiOkResponse({ type: Game })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  setGameFavor(@Param('id', IdPipe) id: number, @Body() dto: FavorDto): Promise<Game> {
    return this.games.setFavor(id, dto.favor_bias);
  }

  @Patch('packs/:name/toggle')
  @AdminOnly()
  @ApiOperation({ summary: 'Enable or disable every game of a pack' })
  @ApiOkResponse({ type: PackToggleResultDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  togglePack(
    @Param('name') name: string,
    @Body() dto: PackToggleDto,
  ): Promise<PackToggleResultDto> {
    return this.games.togglePack(name, dto.enabled);
  }

  @Patch('packs/:name/favor')
  @AdminOnly()
  @ApiOperation({
    summary: "Set a pack's favor bias (-1, 0, 1); it multiplies its games' picker weights",
  })
  @ApiOkResponse({ type: PackMetaDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  setPackFavor(@Param('name') name: string, @Body() dto: FavorDto): Promise<PackMetaDto> {
    return this.games.setPackFavor(name, dto.favor_bias);
  }
}
