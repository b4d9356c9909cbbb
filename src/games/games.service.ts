import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  isForeignKeyViolation,
  isUniqueViolation,
  violatedConstraint,
} from '../common/database-errors';
import { CatalogRow, CSV_COLUMNS, formatCatalogCsv, parseCatalogCsv } from './catalog-csv';
import { catalogConditions, whereClause } from './catalog-filter';
import type { CreateGameDto, UpdateGameDto } from './dto/game-input.dto';
import type { ListGamesQuery } from './dto/list-games.query';
import type { PackDto, PackMetaDto, PackToggleResultDto } from './dto/pack.dto';
import type { ImportMode, ImportResultDto } from './dto/csv.dto';
import type { Game } from './game.entity';
import { modify } from '../database/sql';

const WRITABLE = CSV_COLUMNS; // every catalog column a client may set

function conflictMessage(
  error: unknown,
  game: { pack_name?: string; title?: string; ticker?: string | null },
): string {
  return violatedConstraint(error) === 'games_pack_title_unique'
    ? `A game titled "${game.title ?? ''}" already exists in "${game.pack_name ?? ''}"`
    : `Ticker ${game.ticker ?? ''} is already used by another game`.replace('  ', ' ');
}

@Injectable()
export class GamesService {
  constructor(private readonly dataSource: DataSource) {}

  list(query: ListGamesQuery): Promise<Game[]> {
    const params: unknown[] = [];
    const where = whereClause(
      catalogConditions({ ...query, packs: query.pack ? [query.pack] : undefined }, params),
    );
    return this.dataSource.query(
      `SELECT g.* FROM games g ${where} ORDER BY g.pack_name, g.title`,
      params,
    );
  }

  async get(id: number, manager: EntityManager = this.dataSource.manager): Promise<Game> {
    const [game] = await manager.query<Game[]>('SELECT * FROM games WHERE id = $1', [id]);
    if (!game) throw new NotFoundException(`Game ${id} not found`);
    return game;
  }

  async create(dto: CreateGameDto): Promise<Game> {
    this.checkPlayerRange(dto.min_players, dto.max_players);
    try {
      return await this.dataSource.transaction(async (manager) => {
        await this.ensurePack(manager, dto.pack_name);
        const columns = WRITABLE.filter((c) => dto[c] !== undefined);
        const [game] = await manager.query<Game[]>(
          `INSERT INTO games (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
          columns.map((c) => dto[c]),
        );
        return game;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(conflictMessage(error, dto));
      throw error;
    }
  }

  async update(id: number, dto: UpdateGameDto): Promise<Game> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const current = await this.get(id, manager);
        this.checkPlayerRange(
          dto.min_players ?? current.min_players,
          dto.max_players ?? current.max_players,
        );
        const columns = WRITABLE.filter((c) => dto[c] !== undefined);
        if (columns.length === 0) return current;
        if (dto.pack_name) await this.ensurePack(manager, dto.pack_name);
        const { rows } = await modify<Game>(
          manager,
          `UPDATE games SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1 RETURNING *`,
          [id, ...columns.map((c) => dto[c])],
        );
        return rows[0];
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(conflictMessage(error, dto));
      throw error;
    }
  }

  async remove(id: number): Promise<void> {
    await this.get(id);
    try {
      await this.dataSource.query('DELETE FROM games WHERE id = $1', [id]);
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
    const {
      rows: [game],
    } = await modify<Game>(
      this.dataSource,
      'UPDATE games SET enabled = NOT enabled WHERE id = $1 RETURNING *',
      [id],
    );
    if (!game) throw new NotFoundException(`Game ${id} not found`);
    return game;
  }

  async setFavor(id: number, favorBias: number): Promise<Game> {
    const {
      rows: [game],
    } = await modify<Game>(
      this.dataSource,
      'UPDATE games SET favor_bias = $2 WHERE id = $1 RETURNING *',
      [id, favorBias],
    );
    if (!game) throw new NotFoundException(`Game ${id} not found`);
    return game;
  }

  listPacks(): Promise<PackDto[]> {
    return this.dataSource.query(`
      SELECT p.name, p.favor_bias::int AS favor_bias, bool_or(g.enabled) AS enabled, count(g.id)::int AS game_count
      FROM packs p JOIN games g ON g.pack_name = p.name
      GROUP BY p.name ORDER BY p.name`);
  }

  packsMeta(): Promise<PackMetaDto[]> {
    return this.dataSource.query(`
      SELECT p.name, count(g.id)::int AS total_count, (count(g.id) FILTER (WHERE g.enabled))::int AS enabled_count,
             coalesce(sum(g.play_count), 0)::int AS total_plays, p.favor_bias::int AS favor_bias
      FROM packs p JOIN games g ON g.pack_name = p.name
      GROUP BY p.name ORDER BY p.name`);
  }

  async togglePack(name: string, enabled: boolean): Promise<PackToggleResultDto> {
    await this.getPack(name);
    const { count } = await modify(
      this.dataSource,
      'UPDATE games SET enabled = $2 WHERE pack_name = $1 AND enabled <> $2',
      [name, enabled],
    );
    return {
      message: enabled ? 'Pack enabled' : 'Pack disabled',
      pack: name,
      enabled,
      games_updated: count,
    };
  }

  async setPackFavor(name: string, favorBias: number): Promise<PackMetaDto> {
    await this.getPack(name);
    await this.dataSource.query('UPDATE packs SET favor_bias = $2 WHERE name = $1', [
      name,
      favorBias,
    ]);
    const meta = await this.packsMeta();
    return meta.find((p) => p.name === name)!;
  }

  async exportCsv(): Promise<string> {
    const games = await this.dataSource.query<Game[]>(
      `SELECT ${CSV_COLUMNS.join(', ')} FROM games ORDER BY pack_name, title`,
    );
    return formatCatalogCsv(games);
  }

  /**
   * Imports a catalog CSV in one transaction. `merge` adds new games and updates the listed
   * columns of existing ones (matched by pack and title); `replace` also removes the games the
   * file does not list, disabling instead those that session history still refers to.
   */
  async importCsv(text: string, mode: ImportMode): Promise<ImportResultDto> {
    const { rows, errors } = parseCatalogCsv(text);
    if (errors.length)
      throw new BadRequestException(
        `CSV refused, nothing was changed: ${errors.slice(0, 20).join('; ')}`,
      );
    try {
      return await this.applyImport(rows, mode);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new BadRequestException(
          `CSV refused, nothing was changed: ${conflictMessage(error, {})}`,
        );
      throw error;
    }
  }

  private applyImport(rows: CatalogRow[], mode: ImportMode): Promise<ImportResultDto> {
    return this.dataSource.transaction(async (manager) => {
      // Serialize imports: two at once would race on the ticker and title checks.
      await manager.query('LOCK TABLE games IN SHARE ROW EXCLUSIVE MODE');
      // A file may swap tickers between games: check uniqueness at commit, not per row.
      await manager.query('SET CONSTRAINTS games_ticker_unique DEFERRED');
      const existing = await manager.query<Game[]>('SELECT * FROM games');
      const byKey = new Map(existing.map((g) => [`${g.pack_name}\u0000${g.title}`, g]));
      this.checkImportedTickers(rows, existing);
      const result: ImportResultDto = {
        mode,
        created: 0,
        updated: 0,
        unchanged: 0,
        deleted: 0,
        disabled: 0,
      };
      const listed = new Set<number>();
      for (const row of rows) {
        const current = byKey.get(`${row.pack_name}\u0000${row.title}`);
        await this.ensurePack(manager, row.pack_name);
        const columns = WRITABLE.filter((c) => row[c] !== undefined);
        if (!current) {
          await manager.query(
            `INSERT INTO games (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
            columns.map((c) => row[c]),
          );
          result.created++;
          continue;
        }
        listed.add(current.id);
        const changed = columns.filter((c) => row[c] !== current[c]);
        if (changed.length === 0) {
          result.unchanged++;
          continue;
        }
        await manager.query(
          `UPDATE games SET ${changed.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`,
          [current.id, ...changed.map((c) => row[c])],
        );
        result.updated++;
      }
      if (mode === 'replace') {
        const unlisted = existing.filter((g) => !listed.has(g.id)).map((g) => g.id);
        const deleted = await modify(
          manager,
          `DELETE FROM games g WHERE g.id = ANY($1)
             AND NOT EXISTS (SELECT 1 FROM session_games sg WHERE sg.game_id = g.id)
             AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.game_id = g.id)`,
          [unlisted],
        );
        const disabled = await modify(
          manager,
          'UPDATE games SET enabled = false WHERE id = ANY($1) AND enabled',
          [unlisted],
        );
        result.deleted = deleted.count;
        result.disabled = disabled.count;
      }
      return result;
    });
  }

  private checkImportedTickers(rows: CatalogRow[], existing: Game[]): void {
    const owner = new Map(existing.filter((g) => g.ticker).map((g) => [g.ticker!, g]));
    const problems = rows
      .filter((r) => r.ticker && owner.has(r.ticker))
      .filter((r) => {
        const holder = owner.get(r.ticker!)!;
        const holderKeepsIt = !rows.some(
          (o) =>
            o.pack_name === holder.pack_name &&
            o.title === holder.title &&
            o.ticker !== holder.ticker,
        );
        return (holder.pack_name !== r.pack_name || holder.title !== r.title) && holderKeepsIt;
      })
      .map((r) => `line ${r.line}: ticker ${r.ticker} is used by "${owner.get(r.ticker!)!.title}"`);
    if (problems.length)
      throw new BadRequestException(`CSV refused, nothing was changed: ${problems.join('; ')}`);
  }

  private checkPlayerRange(min: number, max: number): void {
    if (min > max) throw new BadRequestException('min_players must not exceed max_players');
  }

  private async ensurePack(manager: EntityManager, name: string): Promise<void> {
    await manager.query('INSERT INTO packs (name) VALUES ($1) ON CONFLICT DO NOTHING', [name]);
  }

  private async getPack(name: string): Promise<void> {
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM packs p WHERE name = $1 AND EXISTS (SELECT 1 FROM games g WHERE g.pack_name = p.name)',
      [name],
    );
    if (rows.length === 0) throw new NotFoundException(`Pack "${name}" not found`);
  }
}
