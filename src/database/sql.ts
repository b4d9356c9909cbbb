import type { EntityManager } from 'typeorm';

type Queryable = Pick<EntityManager, 'query'>;

/**
 * Runs an UPDATE or DELETE (optionally RETURNING rows). TypeORM answers those as
 * `[rows, rowCount]` rather than plain rows; this names the two.
 */
export async function modify<T = unknown>(
  db: Queryable,
  sql: string,
  params: unknown[] = [],
): Promise<{ rows: T[]; count: number }> {
  const [rows, count] = await db.query<[T[], number]>(sql, params);
  return { rows, count };
}
