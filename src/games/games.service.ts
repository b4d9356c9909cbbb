import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isForeignKeyViolation, isUniqueViolation } from '../common/database-errors';
import { conflictMessage } from './catalog-conflicts';
import type { CreateGameDto, UpdateGameDto } from './dto/game-input.dto';
import type { Game } from './dto/game.dto';
import type { ListGamesQuery } from './dto/list-games.query';
import type { PackDto, PackMetaDto, PackToggleResultDto } from './dto/pack.dto';
import { GamesRepository } from './games.repository';

/** The catalog: games and packs. (CSV import: CatalogImportService.) */
@Injectable()
export class GamesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly games: GamesRepository,
  ) {}

  list(query: ListGamesQuery): Promise<Game[]> {
    return this.games.list({ ...query, packs: query.pack ? [query.pack] : undefined });
  }

  async get(id: number): Promise<Game> {
    return this.found(id, await this.games.find(id));
  }

  async create(dto: CreateGameDto): Promise<Game> {
    this.checkPlayerRange(dto.min_players, dto.max_players);
    try {
      return await this.dataSource.transaction(async (manager) => {
        await this.games.ensurePack(manager, dto.pack_name);
        return this.games.insert(manager, dto);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(conflictMessage(error, dto));
      throw error;
    }
  }

  async update(id: number, dto: UpdateGameDto): Promise<Game> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const current = this.found(id, await this.games.find(id, manager));
        this.checkPlayerRange(
          dto.min_players ?? current.min_players,
          dto.max_players ?? current.max_players,
        );
        if (dto.pack_name) await this.games.ensurePack(manager, dto.pack_name);
        return this.found(id, await this.games.update(manager, id, dto));
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(conflictMessage(error, dto));
      throw error;
    }
  }

  async remove(id: number): Promise<void> {
    await this.get(id);
    try {
      await this.games.remove(id);
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new ConflictException(
          `Game ${id} has session history or votes, so it stays; disable it instead`,
        );
      }
      throw error;
    }
  }

  async toggle(id: number): Promise<Game> {
    return this.found(id, await this.games.toggle(id));
  }

  async setFavor(id: number, favorBias: number): Promise<Game> {
    return this.found(id, await this.games.update(this.dataSource, id, { favor_bias: favorBias }));
  }

  listPacks(): Promise<PackDto[]> {
    return this.games.listPacks();
  }

  packsMeta(): Promise<PackMetaDto[]> {
    return this.games.packsMeta();
  }

  async togglePack(name: string, enabled: boolean): Promise<PackToggleResultDto> {
    await this.assertPack(name);
    const updated = await this.games.setPackEnabled(name, enabled);
    return {
      message: enabled ? 'Pack enabled' : 'Pack disabled',
      pack: name,
      enabled,
      games_updated: updated,
    };
  }

  async setPackFavor(name: string, favorBias: number): Promise<PackMetaDto> {
    await this.assertPack(name);
    await this.games.setPackFavor(name, favorBias);
    const meta = await this.games.packsMeta();
    return meta.find((p) => p.name === name)!;
  }

  private found(id: number, game: Game | undefined): Game {
    if (!game) throw new NotFoundException(`Game ${id} not found`);
    return game;
  }

  private checkPlayerRange(min: number, max: number): void {
    if (min > max) throw new BadRequestException('min_players must not exceed max_players');
  }

  private async assertPack(name: string): Promise<void> {
    if (!(await this.games.packExists(name))) {
      throw new NotFoundException(`Pack "${name}" not found`);
    }
  }
}
