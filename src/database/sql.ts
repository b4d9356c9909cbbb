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

/**
 * Runs `work` again when PostgreSQL broke a deadlock by failing it (40P01): the statement was
 * rolled back, so it is safe to repeat. Deleting a webhook can meet the delivery worker this way
 * (the cascade locks the webhook, then its deliveries; logging an attempt, the other way round).
 */
export async function retryOnDeadlock<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code =
        (error as { code?: string; driverError?: { code?: string } }).code ??
        (error as { driverError?: { code?: string } }).driverError?.code;
      if (code !== '40P01' || attempt >= attempts) throw error;
    }
  }
}

/** Each prepared statement's name by its text, and its text by its name. */
const preparedNames = new Map<string, string>();
const preparedTexts = new Map<string, string>();

/**
 * Marks a statement to be prepared: on every connection of the app's pools, PostgreSQL parses
 * and plans it once, and each later run only binds its parameters. For statements that run on
 * every batch of a busy night (the webhook worker's), where planning cost as much as a tenth of
 * the database's work per delivery. Answers the text, run as any other through `query`.
 *
 * After its first five runs on a connection PostgreSQL may keep a generic plan, made without
 * the parameters' values: a prepared statement's plan must be right whatever they are
 * (test/webhook-plans checks the worker's).
 */
export function prepared(name: string, text: string): string {
  if ((preparedTexts.get(name) ?? text) !== text) throw new Error(`two statements named ${name}`);
  preparedTexts.set(name, text);
  preparedNames.set(text, name);
  return text;
}

/** The name a statement is prepared under, if it is one. */
export function preparedName(text: string): string | undefined {
  return preparedNames.get(text);
}
