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

/**
 * The database could not be reached or did not answer in time. Such a failure is the
 * database's, not the request's: it answers 503 with Retry-After.
 */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** PostgreSQL error codes of a connection that failed or was ended by the server. */
const UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown: the server is stopping
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections
  '57014', // query_canceled: the statement ran past DB_STATEMENT_TIMEOUT_MS
]);

/** What `pg` says, without a code, when a connection ends or cannot be had. */
const UNAVAILABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Query read timeout)/;

/**
 * Whether an error means the database is unavailable (down, restarting, frozen, out of
 * connections, or too slow for our own bounds) rather than that the request went wrong.
 * Socket errors count only as the pools report them (a DatabaseUnavailableError): a client's
 * own connection resetting is no database outage.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const cause: unknown = error instanceof QueryFailedError ? error.driverError : error;
  if (cause instanceof DatabaseUnavailableError) return true;
  if (!(cause instanceof Error)) return false;
  const { code } = cause as { code?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) {
    return true;
  }
  return UNAVAILABLE_MESSAGES.test(cause.message);
}
