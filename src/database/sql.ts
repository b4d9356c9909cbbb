import type { EntityManager } from 'typeorm';

/** Anything that runs SQL: the data source, or a transaction's entity manager. */
export type Queryable = Pick<EntityManager, 'query'>;

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

/**
 * Collects query parameters and answers each one's placeholder, for statements whose
 * conditions or columns depend on the input.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  constructor(initial: unknown[] = []) {
    this.values.push(...initial);
  }

  /** Adds a value and answers its placeholder (`$n`). */
  bind(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
