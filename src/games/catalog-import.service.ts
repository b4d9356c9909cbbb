import { BadRequestException, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUniqueViolation } from '../common/database-errors';
import { longTransaction } from '../database/bounded-pool';
import { conflictMessage } from './catalog-conflicts';
import {
  CSV_COLUMNS,
  formatCatalogCsv,
  parseCatalogCsv,
  UNIQUE_CODES,
  type CatalogRow,
} from './catalog-csv';
import type { ImportMode, ImportResultDto } from './dto/csv.dto';
import type { Game } from './dto/game.dto';
import { GamesRepository } from './games.repository';

const refused = (problems: string) => `CSV refused, nothing was changed: ${problems}`;

/** The catalog as CSV: export, and import (merge or replace) in one transaction. */
@Injectable()
export class CatalogImportService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly games: GamesRepository,
  ) {}

  async exportCsv(): Promise<string> {
    return formatCatalogCsv(await this.games.exportRows());
  }

  /**
   * `merge` adds new games and updates the listed columns of existing ones (matched by pack and
   * title); `replace` also removes the games the file does not list, disabling instead those
   * that session history still refers to. A file with any bad line changes nothing.
   */
  async importCsv(text: string, mode: ImportMode): Promise<ImportResultDto> {
    const { rows, errors } = parseCatalogCsv(text);
    if (errors.length) throw new BadRequestException(refused(errors.slice(0, 20).join('; ')));
    try {
      return await this.apply(rows, mode);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new BadRequestException(refused(conflictMessage(error, {})));
      }
      throw error;
    }
  }

  private apply(rows: CatalogRow[], mode: ImportMode): Promise<ImportResultDto> {
    // A big file, or waiting for another import's lock, may take longer than a request's bound.
    return longTransaction(this.dataSource, async (manager) => {
      await this.games.lockForImport(manager);
      const existing = await this.games.all(manager);
      const byKey = new Map(existing.map((g) => [`${g.pack_name}\u0000${g.title}`, g]));
      for (const column of UNIQUE_CODES) checkImportedCodes(column, rows, existing);
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
        await this.games.ensurePack(manager, row.pack_name);
        if (!current) {
          await this.games.insert(manager, row);
          result.created++;
          continue;
        }
        listed.add(current.id);
        const changed = CSV_COLUMNS.filter((c) => row[c] !== undefined && row[c] !== current[c]);
        if (changed.length === 0) {
          result.unchanged++;
          continue;
        }
        await this.games.update(
          manager,
          current.id,
          Object.fromEntries(changed.map((c) => [c, row[c]])),
        );
        result.updated++;
      }
      if (mode === 'replace') {
        const unlisted = existing.filter((g) => !listed.has(g.id)).map((g) => g.id);
        Object.assign(result, await this.games.retire(manager, unlisted));
      }
      return result;
    });
  }
}

/**
 * A ticker or app tag the file gives a game may not stay with another game the file does not
 * change: answered with the lines at fault rather than a constraint name at commit.
 */
function checkImportedCodes(
  column: (typeof UNIQUE_CODES)[number],
  rows: CatalogRow[],
  existing: Game[],
): void {
  const owner = new Map(existing.filter((g) => g[column]).map((g) => [g[column]!, g]));
  const problems = rows
    .filter((r) => r[column] && owner.has(r[column]))
    .filter((r) => {
      const holder = owner.get(r[column]!)!;
      const holderKeepsIt = !rows.some(
        (o) =>
          o.pack_name === holder.pack_name &&
          o.title === holder.title &&
          o[column] !== holder[column],
      );
      return (holder.pack_name !== r.pack_name || holder.title !== r.title) && holderKeepsIt;
    })
    .map(
      (r) => `line ${r.line}: ${column} ${r[column]} is used by "${owner.get(r[column]!)!.title}"`,
    );
  if (problems.length) throw new BadRequestException(refused(problems.join('; ')));
}
