import { QueryFailedError } from 'typeorm';

interface PgError {
  code?: string;
  constraint?: string;
}

const pgError = (error: unknown): PgError | undefined =>
  error instanceof QueryFailedError ? (error.driverError as PgError) : undefined;

/** A unique violation, optionally of the named constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pg = pgError(error);
  return pg?.code === '23505' && (constraint === undefined || pg.constraint === constraint);
}

/**
 * A foreign-key violation: a row still referenced elsewhere, or a reference to a missing row.
 * PostgreSQL 18 reports an ON DELETE RESTRICT reference as 23001 (restrict_violation), older
 * versions as 23503; the embedded server is 18, deployments may run either.
 */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = pgError(error)?.code;
  return code === '23503' || code === '23001';
}

export function violatedConstraint(error: unknown): string | undefined {
  return pgError(error)?.constraint;
}
