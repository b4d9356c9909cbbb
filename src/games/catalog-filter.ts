/** The catalog filters shared by `GET /api/games` and the picker. */
export interface CatalogFilter {
  enabled?: boolean;
  playerCount?: number;
  drawing?: 'only' | 'exclude';
  length?: 'short' | 'medium' | 'long';
  familyFriendly?: boolean;
  packs?: string[];
}

export interface SqlCondition {
  /** The request field the condition comes from, named in "nothing matched" messages. */
  field: string;
  sql: string;
}

/** Length buckets: short is up to 15 minutes or unknown, medium 16-25, long over 25. */
const LENGTH_SQL = {
  short: '(g.length_minutes IS NULL OR g.length_minutes <= 15)',
  medium: 'g.length_minutes BETWEEN 16 AND 25',
  long: 'g.length_minutes > 25',
} as const;

/**
 * Turns filters into SQL conditions on `games g`, appending their values to `params`
 * (placeholders continue from its current length).
 */
export function catalogConditions(filter: CatalogFilter, params: unknown[]): SqlCondition[] {
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const conditions: SqlCondition[] = [];
  if (filter.enabled !== undefined)
    conditions.push({ field: 'enabled', sql: `g.enabled = ${bind(filter.enabled)}` });
  if (filter.playerCount !== undefined) {
    const n = bind(filter.playerCount);
    conditions.push({
      field: 'playerCount',
      sql: `g.min_players <= ${n} AND g.max_players >= ${n}`,
    });
  }
  if (filter.drawing === 'only')
    conditions.push({ field: 'drawing', sql: `g.game_type = 'Drawing'` });
  if (filter.drawing === 'exclude') {
    conditions.push({ field: 'drawing', sql: `g.game_type IS DISTINCT FROM 'Drawing'` });
  }
  if (filter.length) conditions.push({ field: 'length', sql: LENGTH_SQL[filter.length] });
  if (filter.familyFriendly !== undefined) {
    conditions.push({
      field: 'familyFriendly',
      sql: `g.family_friendly = ${bind(filter.familyFriendly)}`,
    });
  }
  if (filter.packs !== undefined)
    conditions.push({ field: 'pack', sql: `g.pack_name = ANY(${bind(filter.packs)})` });
  return conditions;
}

export const whereClause = (conditions: SqlCondition[]): string =>
  conditions.length ? `WHERE ${conditions.map((c) => `(${c.sql})`).join(' AND ')}` : '';
