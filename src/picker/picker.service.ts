import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { catalogConditions, type SqlCondition, whereClause } from '../games/catalog-filter';
import type { Game } from '../games/game.entity';
import type { PickDto, PickResultDto } from './dto/pick.dto';
import { RandomSource } from './random-source';

/**
 * Favor weights, scaled by 5 so they stay integers: favored x3 (15), neutral x1 (5),
 * disfavored x0.2 (1). A game's weight is its own factor times its pack's.
 */
const favorWeight = (column: string) => `(CASE ${column} WHEN 1 THEN 15 WHEN -1 THEN 1 ELSE 5 END)`;

type PickedRow = Game & { pool_size: string };

@Injectable()
export class PickerService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly random: RandomSource,
  ) {}

  /**
   * Weighted random choice among the eligible games, in one query: the database filters,
   * weighs and walks the cumulative weights up to `r * total` for a uniform `r`.
   */
  async pick(dto: PickDto): Promise<PickResultDto> {
    if (dto.excludePlayed && dto.sessionId === undefined)
      throw new BadRequestException('excludePlayed needs sessionId');
    if (dto.pack !== undefined && dto.packs !== undefined)
      throw new BadRequestException('Send pack or packs, not both');
    if (dto.sessionId !== undefined) await this.assertSessionExists(dto.sessionId);
    const params: unknown[] = [];
    const conditions = this.conditions(dto, params);
    params.push(this.random.next());
    const [row] = await this.dataSource.query<PickedRow[]>(
      `WITH pool AS (
         SELECT g.*, ${favorWeight('g.favor_bias')} * ${favorWeight('p.favor_bias')} AS weight
         FROM games g JOIN packs p ON p.name = g.pack_name
         ${whereClause(conditions)}
       ), walked AS (
         SELECT pool.*, sum(weight) OVER (ORDER BY id) AS upto, sum(weight) OVER () AS total,
                count(*) OVER () AS pool_size
         FROM pool
       )
       SELECT * FROM walked WHERE upto > $${params.length}::float8 * total ORDER BY upto LIMIT 1`,
      params,
    );
    if (!row) throw new NotFoundException(await this.explainEmptyPool(dto));
    const {
      pool_size,
      weight: _w,
      upto: _u,
      total: _t,
      ...game
    } = row as PickedRow & Record<'weight' | 'upto' | 'total', unknown>;
    return { game, poolSize: Number(pool_size) };
  }

  private conditions(dto: PickDto, params: unknown[]): SqlCondition[] {
    const packs = dto.packs ?? (dto.pack ? [dto.pack] : undefined);
    const conditions = catalogConditions({ ...dto, enabled: true, packs }, params);
    if (dto.sessionId !== undefined) {
      params.push(dto.sessionId);
      const session = `$${params.length}`;
      conditions.push({
        field: dto.excludePlayed ? 'excludePlayed' : 'sessionId',
        sql: dto.excludePlayed
          ? `g.id NOT IN (SELECT game_id FROM session_games WHERE session_id = ${session})`
          : `g.id NOT IN (SELECT game_id FROM session_games WHERE session_id = ${session}
                          ORDER BY played_at DESC, id DESC LIMIT 2)`,
      });
    }
    return conditions;
  }

  /** Names the first filter that left no game, counting all prefixes in one query. */
  private async explainEmptyPool(dto: PickDto): Promise<string> {
    const params: unknown[] = [];
    const conditions = this.conditions(dto, params);
    const counts = conditions.map(
      (_, i) =>
        `count(*) FILTER (WHERE ${conditions
          .slice(0, i + 1)
          .map((c) => `(${c.sql})`)
          .join(' AND ')})::int`,
    );
    const [row] = await this.dataSource.query<{ counts: number[] }[]>(
      `SELECT ARRAY[${counts.join(', ')}] AS counts FROM games g`,
      params,
    );
    const emptied = conditions[row.counts.findIndex((n) => n === 0)];
    if (!emptied || emptied.field === 'enabled')
      return 'No games to pick from: every game is disabled';
    if (emptied.field === 'sessionId' || emptied.field === 'excludePlayed') {
      return emptied.field === 'excludePlayed'
        ? `No games to pick from: every matching game was already played in session ${dto.sessionId}`
        : `No games to pick from: the only matching games are the last two played in session ${dto.sessionId}`;
    }
    const value =
      emptied.field === 'pack'
        ? JSON.stringify(dto.packs ?? dto.pack)
        : JSON.stringify(dto[emptied.field as keyof PickDto]);
    return (
      `No games to pick from: no enabled game matches ${emptied.field} = ${value}` +
      (emptied === conditions[1] ? '' : ' together with the other filters')
    );
  }

  private async assertSessionExists(id: number): Promise<void> {
    const rows = await this.dataSource.query<unknown[]>('SELECT 1 FROM sessions WHERE id = $1', [
      id,
    ]);
    if (rows.length === 0) throw new NotFoundException(`Session ${id} not found`);
  }
}
