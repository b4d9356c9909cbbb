import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { modify, type Queryable, SqlParams } from '../database/sql';
import type { PackPlaysDto } from '../stats/stats.dto';
import { CSV_COLUMNS, type CsvColumn } from './catalog-csv';
import type { PackDto, PackMetaDto } from './dto/pack.dto';
import type { Game } from './dto/game.dto';

/** The catalog filters shared by `GET /api/games` and the picker. */
export interface CatalogFilter {
  enabled?: boolean;
  playerCount?: number;
  drawing?: 'only' | 'exclude';
  length?: 'short' | 'medium' | 'long';
  familyFriendly?: boolean;
  packs?: string[];
  /** Leave out the games of this session: its last two, or all of them with `excludePlayed`. */
  sessionId?: number;
  excludePlayed?: boolean;
  /** Leave out these games too (a poll's options already drawn). */
  excludeIds?: number[];
}

/** A filter as SQL on `games g`, with the request field it comes from (for error messages). */
export interface SqlCondition {
  field: string;
  sql: string;
}

/** Length buckets: short is up to 15 minutes or unknown, medium 16-25, long over 25. */
const LENGTH_SQL = {
  short: '(g.length_minutes IS NULL OR g.length_minutes <= 15)',
  medium: 'g.length_minutes BETWEEN 16 AND 25',
  long: 'g.length_minutes > 25',
} as const;

/** Turns filters into SQL conditions on `games g`, binding their values to `params`. */
function conditions(filter: CatalogFilter, params: SqlParams): SqlCondition[] {
  const list: SqlCondition[] = [];
  const add = (field: string, sql: string) => list.push({ field, sql });
  if (filter.enabled !== undefined) add('enabled', `g.enabled = ${params.bind(filter.enabled)}`);
  if (filter.playerCount !== undefined) {
    const n = params.bind(filter.playerCount);
    add('playerCount', `g.min_players <= ${n} AND g.max_players >= ${n}`);
  }
  if (filter.drawing === 'only') add('drawing', `g.game_type = 'Drawing'`);
  if (filter.drawing === 'exclude') add('drawing', `g.game_type IS DISTINCT FROM 'Drawing'`);
  if (filter.length) add('length', LENGTH_SQL[filter.length]);
  if (filter.familyFriendly !== undefined) {
    add('familyFriendly', `g.family_friendly = ${params.bind(filter.familyFriendly)}`);
  }
  if (filter.packs !== undefined) add('pack', `g.pack_name = ANY(${params.bind(filter.packs)})`);
  if (filter.sessionId !== undefined) {
    const session = params.bind(filter.sessionId);
    if (filter.excludePlayed) {
      add(
        'excludePlayed',
        `g.id NOT IN (SELECT game_id FROM session_games WHERE session_id = ${session})`,
      );
    } else {
      add(
        'sessionId',
        `g.id NOT IN (SELECT game_id FROM session_games WHERE session_id = ${session}
                      ORDER BY played_at DESC, id DESC LIMIT 2)`,
      );
    }
  }
  if (filter.excludeIds?.length) {
    add('excludeIds', `g.id <> ALL(${params.bind(filter.excludeIds)}::int[])`);
  }
  return list;
}

const whereClause = (list: SqlCondition[]): string =>
  list.length ? `WHERE ${list.map((c) => `(${c.sql})`).join(' AND ')}` : '';

/**
 * Favor weights, scaled by 5 so they stay integers: favored x3 (15), neutral x1 (5),
 * disfavored x0.2 (1). A game's weight is its own factor times its pack's.
 */
const favorWeight = (column: string) => `(CASE ${column} WHEN 1 THEN 15 WHEN -1 THEN 1 ELSE 5 END)`;

export type CatalogColumns = Partial<Pick<Game, CsvColumn>>;

/**
 * Every statement on `games` and `packs`, the picker's included. Games are read through the
 * view `games_with_votes`, which adds the vote counters (kept by the votes feature).
 */
@Injectable()
export class GamesRepository {
  constructor(private readonly dataSource: DataSource) {}

  list(filter: CatalogFilter): Promise<Game[]> {
    const params = new SqlParams();
    return this.dataSource.query(
      `SELECT g.* FROM games_with_votes g ${whereClause(conditions(filter, params))} ORDER BY g.pack_name, g.title`,
      params.values,
    );
  }

  async find(id: number, db: Queryable = this.dataSource): Promise<Game | undefined> {
    const [game] = await db.query<Game[]>('SELECT * FROM games_with_votes WHERE id = $1', [id]);
    return game;
  }

  /**
   * The catalog game a Jackbox room's app tag names (`quiplash3`), if any: how a watched room
   * is linked to the catalog. At most one game has a given tag.
   */
  async findByAppTag(tag: string, db: Queryable = this.dataSource): Promise<Game | undefined> {
    const [game] = await db.query<Game[]>('SELECT * FROM games_with_votes WHERE app_tag = $1', [
      tag,
    ]);
    return game;
  }

  /** Every game, for an import to compare against. */
  all(db: Queryable): Promise<Game[]> {
    return db.query('SELECT * FROM games');
  }

  /** Inserts a game with the catalog columns given (the rest take their defaults). */
  async insert(db: Queryable, game: CatalogColumns): Promise<Game> {
    const columns = CSV_COLUMNS.filter((c) => game[c] !== undefined);
    const params = new SqlParams();
    const values = columns.map((c) => params.bind(game[c]));
    const [{ id }] = await db.query<{ id: number }[]>(
      `INSERT INTO games (${columns.join(', ')}) VALUES (${values.join(', ')}) RETURNING id`,
      params.values,
    );
    return (await this.find(id, db))!;
  }

  /** Sets the catalog columns given; answers the game (undefined if there is none). */
  async update(db: Queryable, id: number, changes: CatalogColumns): Promise<Game | undefined> {
    const columns = CSV_COLUMNS.filter((c) => changes[c] !== undefined);
    if (columns.length === 0) return this.find(id, db);
    const params = new SqlParams([id]);
    const sets = columns.map((c) => `${c} = ${params.bind(changes[c])}`);
    const { count } = await modify(
      db,
      `UPDATE games SET ${sets.join(', ')} WHERE id = $1`,
      params.values,
    );
    return count ? this.find(id, db) : undefined;
  }

  async remove(id: number): Promise<void> {
    await this.dataSource.query('DELETE FROM games WHERE id = $1', [id]);
  }

  /** Flips or sets `enabled` / `favor_bias` of one game; undefined if there is none. */
  async toggle(id: number): Promise<Game | undefined> {
    const { count } = await modify(
      this.dataSource,
      'UPDATE games SET enabled = NOT enabled WHERE id = $1',
      [id],
    );
    return count ? this.find(id) : undefined;
  }

  /**
   * Counts plays (negative to take them away): the one place `play_count` changes. Answers how
   * many of the games exist.
   */
  async addPlays(db: Queryable, plays: { gameId: number; plays: number }[]): Promise<number> {
    const { count } = await modify(
      db,
      `UPDATE games g SET play_count = greatest(g.play_count + p.plays, 0)
       FROM unnest($1::int[], $2::int[]) AS p(game_id, plays) WHERE g.id = p.game_id`,
      [plays.map((p) => p.gameId), plays.map((p) => p.plays)],
    );
    return count;
  }

  async ensurePack(db: Queryable, name: string): Promise<void> {
    await db.query('INSERT INTO packs (name) VALUES ($1) ON CONFLICT DO NOTHING', [name]);
  }

  /** Whether a pack with at least one game exists. */
  async packExists(name: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM packs p WHERE name = $1 AND EXISTS (SELECT 1 FROM games g WHERE g.pack_name = p.name)',
      [name],
    );
    return rows.length > 0;
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

  /** Enables or disables every game of a pack; answers how many changed. */
  async setPackEnabled(name: string, enabled: boolean): Promise<number> {
    const { count } = await modify(
      this.dataSource,
      'UPDATE games SET enabled = $2 WHERE pack_name = $1 AND enabled <> $2',
      [name, enabled],
    );
    return count;
  }

  async setPackFavor(name: string, favorBias: number): Promise<void> {
    await this.dataSource.query('UPDATE packs SET favor_bias = $2 WHERE name = $1', [
      name,
      favorBias,
    ]);
  }

  /** The catalog columns of every game, for the CSV export. */
  exportRows(): Promise<Pick<Game, CsvColumn>[]> {
    return this.dataSource.query(
      `SELECT ${CSV_COLUMNS.join(', ')} FROM games ORDER BY pack_name, title`,
    );
  }

  /**
   * Takes the catalog for an import: a second import at once would race on the ticker and
   * title checks, and a file may swap tickers or app tags between games, so their uniqueness is
   * checked at commit.
   */
  async lockForImport(db: Queryable): Promise<void> {
    await db.query('LOCK TABLE games IN SHARE ROW EXCLUSIVE MODE');
    await db.query('SET CONSTRAINTS games_ticker_unique, games_app_tag_unique DEFERRED');
  }

  /**
   * Of these games, deletes those no session or vote refers to and disables the rest.
   */
  async retire(db: Queryable, ids: number[]): Promise<{ deleted: number; disabled: number }> {
    const deleted = await modify(
      db,
      `DELETE FROM games g WHERE g.id = ANY($1)
         AND NOT EXISTS (SELECT 1 FROM session_games sg WHERE sg.game_id = g.id)
         AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.game_id = g.id)`,
      [ids],
    );
    const disabled = await modify(
      db,
      'UPDATE games SET enabled = false WHERE id = ANY($1) AND enabled',
      [ids],
    );
    return { deleted: deleted.count, disabled: disabled.count };
  }

  /**
   * The picker: a weighted random choice among the games that pass the filters, in one query.
   * The database filters, weighs and walks the cumulative weights up to `r * total` for a
   * uniform `r` in [0, 1).
   */
  async pickWeighted(
    filter: CatalogFilter,
    r: number,
  ): Promise<{ game: Game; poolSize: number } | undefined> {
    const params = new SqlParams();
    const where = whereClause(conditions(filter, params));
    const [row] = await this.dataSource.query<(Game & { pool_size: string })[]>(
      `WITH pool AS (
         SELECT g.*, ${favorWeight('g.favor_bias')} * ${favorWeight('p.favor_bias')} AS weight
         FROM games_with_votes g JOIN packs p ON p.name = g.pack_name
         ${where}
       ), walked AS (
         SELECT pool.*, sum(weight) OVER (ORDER BY id) AS upto, sum(weight) OVER () AS total,
                count(*) OVER () AS pool_size
         FROM pool
       )
       SELECT * FROM walked WHERE upto > ${params.bind(r)}::float8 * total ORDER BY upto LIMIT 1`,
      params.values,
    );
    if (!row) return undefined;
    const {
      pool_size,
      weight: _w,
      upto: _u,
      total: _t,
      ...game
    } = row as typeof row & Record<'weight' | 'upto' | 'total', unknown>;
    return { game, poolSize: Number(pool_size) };
  }

  /**
   * The filters in order with, for each, how many games pass it and all before it: the first
   * that leaves none is the one to name when nothing can be picked.
   */
  async narrowing(filter: CatalogFilter): Promise<{ field: string; remaining: number }[]> {
    const params = new SqlParams();
    const list = conditions(filter, params);
    if (list.length === 0) return [];
    const counts = list.map(
      (_, i) =>
        `count(*) FILTER (WHERE ${list
          .slice(0, i + 1)
          .map((c) => `(${c.sql})`)
          .join(' AND ')})::int`,
    );
    const [row] = await this.dataSource.query<{ counts: number[] }[]>(
      `SELECT ARRAY[${counts.join(', ')}] AS counts FROM games g`,
      params.values,
    );
    return list.map((c, i) => ({ field: c.field, remaining: row.counts[i] }));
  }

  /** The catalog's totals for the stats page. */
  async totals(): Promise<{
    totalGames: number;
    enabledGames: number;
    totalPacks: number;
    totalVotes: number;
  }> {
    const [row] = await this.dataSource.query<
      { totalGames: number; enabledGames: number; totalPacks: number; totalVotes: number }[]
    >(`
      SELECT count(*)::int AS "totalGames", (count(*) FILTER (WHERE enabled))::int AS "enabledGames",
             count(DISTINCT pack_name)::int AS "totalPacks",
             coalesce(sum(upvotes + downvotes), 0)::int AS "totalVotes"
      FROM games_with_votes`);
    return row;
  }

  topRated(limit: number): Promise<Game[]> {
    return this.dataSource.query(
      `SELECT * FROM games_with_votes WHERE upvotes + downvotes > 0 ORDER BY popularity_score DESC, upvotes DESC, title LIMIT $1`,
      [limit],
    );
  }

  mostPlayed(limit: number): Promise<Game[]> {
    return this.dataSource.query(
      `SELECT * FROM games_with_votes WHERE play_count > 0 ORDER BY play_count DESC, title LIMIT $1`,
      [limit],
    );
  }

  playsPerPack(): Promise<PackPlaysDto[]> {
    return this.dataSource.query(`
      SELECT pack_name, count(*)::int AS game_count, sum(play_count)::int AS play_count
      FROM games GROUP BY pack_name ORDER BY play_count DESC, pack_name`);
  }
}
