import { Client, Pool, type PoolClient, type PoolConfig } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { DatabaseUnavailableError, isDatabaseUnavailable } from '../common/database-errors';
import type { AppConfig, RuntimeConfig } from '../config/app-config';
import type { DatabaseAvailability } from './database-availability';
import { preparedName } from './sql';

export type DatabaseBounds = Pick<
  AppConfig['database'],
  'connectionTimeoutMs' | 'statementTimeoutMs' | 'longStatementTimeoutMs' | 'maxWaiting'
>;

/**
 * How long past its statement timeout a statement may go unanswered before its connection is
 * dropped: long enough for PostgreSQL's own cancel to arrive first when the server is alive.
 */
export const ANSWER_GRACE_MS = 1_000;

export interface BoundedPoolConfig extends PoolConfig {
  bounds: DatabaseBounds;
  /** Told of every answer, so that the end of an outage is noticed. */
  availability?: DatabaseAvailability;
}

export function boundedPoolConfig(
  max: number,
  bounds: DatabaseBounds,
  availability?: DatabaseAvailability,
): BoundedPoolConfig {
  return {
    max,
    // Bounds both opening a connection and waiting for a free one.
    connectionTimeoutMillis: bounds.connectionTimeoutMs,
    // PostgreSQL cancels a statement that runs longer (57014); the connection stays usable.
    statement_timeout: bounds.statementTimeoutMs,
    // The app's statements are short, and its data is read from memory, not disk:
    // - PostgreSQL's JIT compiles a statement whose estimated cost is high; with the estimates
    //   of a new install (no statistics yet) a statement of a few milliseconds took hundreds.
    // - At the default random_page_cost (4, a spinning disk's), a page of events in commit order
    //   was read by sorting every event past the cursor instead of walking the index: each
    //   page of a backlog cost the whole backlog.
    options: '-c jit=off -c random_page_cost=1.1',
    bounds,
    availability,
  };
}

/**
 * A pool of DB_VOTE_POOL_SIZE connections for one vote path (live votes, poll votes), so a busy
 * chat neither queues behind other work nor takes another path's connections. An idle
 * connection that drops (database restart, failover) must not take the process down: the next
 * vote opens another, and a real outage is reported by the votes it fails.
 */
export function votePool(
  config: RuntimeConfig,
  availability: DatabaseAvailability,
  onDropped: (error: Error) => void,
): BoundedPool {
  const pool = new BoundedPool({
    connectionString: config.databaseUrl,
    ...boundedPoolConfig(config.database.votePoolSize, config.database, availability),
  });
  pool.on('error', onDropped);
  return pool;
}

type Callback = (error: unknown, result: unknown) => void;
// pg's own query, applied to each client below.
// eslint-disable-next-line @typescript-eslint/unbound-method
const plainQuery = Client.prototype.query as (this: Client, ...args: unknown[]) => unknown;

/**
 * A connection whose statements are bounded on this side too. PostgreSQL's statement_timeout
 * cancels a statement that runs too long, but a frozen server (or a lost network) answers
 * nothing, not even that: a statement still unanswered ANSWER_GRACE_MS after the timeout has
 * its connection dropped. What state the connection was in is unknown (a transaction may be
 * open), so it is never reused; the pool opens another.
 */
export class BoundedClient extends Client {
  readonly bounds: DatabaseBounds;
  private readonly availability?: DatabaseAvailability;
  private boundMs: number;

  constructor(config: BoundedPoolConfig) {
    super(config);
    this.bounds = config.bounds;
    this.availability = config.availability;
    this.boundMs = this.bounds.statementTimeoutMs + ANSWER_GRACE_MS;
  }

  /** Bounds the statements by DB_LONG_STATEMENT_TIMEOUT_MS until the returned function is called. */
  lengthen(): () => void {
    this.boundMs = this.bounds.longStatementTimeoutMs + ANSWER_GRACE_MS;
    return () => {
      this.boundMs = this.bounds.statementTimeoutMs + ANSWER_GRACE_MS;
    };
  }

  // pg's query takes text or a config, with values, a callback or neither, or a submittable;
  // this wraps every form.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: unknown[]): any {
    if (typeof (args[0] as { submit?: unknown } | undefined)?.submit === 'function') {
      return plainQuery.apply(this, args); // cursors and streams: not used here
    }
    if (typeof args[0] === 'string') {
      const name = preparedName(args[0]);
      if (name) args[0] = { name, text: args[0] };
    }
    const timer = setTimeout(() => this.abandon(), this.boundMs);
    const settled = (error: unknown): unknown => {
      clearTimeout(timer);
      const failure = error ? this.connectionFailure(error) : undefined;
      if (!failure || !isDatabaseUnavailable(failure)) this.availability?.answered();
      return failure;
    };
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (error: unknown, result: unknown) =>
        (callback as Callback)(settled(error), result);
      return plainQuery.apply(this, args);
    }
    return (plainQuery.apply(this, args) as Promise<unknown>).then(
      (result) => {
        settled(undefined);
        return result;
      },
      (error: unknown) => {
        throw settled(error ?? new Error('query failed'));
      },
    );
  }

  /**
   * A socket error (the connection reset, timed out) is the database being unavailable; said
   * so here, where it is known to come from the database's connection.
   */
  private connectionFailure(error: unknown): unknown {
    if (!(error instanceof Error) || !('syscall' in error)) return error;
    return new DatabaseUnavailableError(`database connection failed: ${error.message}`, {
      cause: error,
    });
  }

  private abandon(): void {
    // The statement's own callback and the client's error listeners (the pool's, TypeORM's)
    // get this error; the pool then discards the connection.
    this.connection.stream.destroy(
      new DatabaseUnavailableError(`the database did not answer within ${this.boundMs} ms`),
    );
  }
}

type ConnectCallback = (
  error: Error | undefined,
  client: PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

/**
 * A pg pool of BoundedClients whose queue of requests waiting for a connection is bounded
 * (DB_MAX_WAITING): past it a request is refused at once rather than queued behind a database
 * that is not keeping up. Any failure to get a connection is a DatabaseUnavailableError.
 */
export class BoundedPool extends Pool {
  private readonly maxWaiting: number;

  constructor(config: BoundedPoolConfig) {
    super({ ...config, Client: BoundedClient as unknown as PoolConfig['Client'] });
    this.maxWaiting = config.bounds.maxWaiting;
  }

  override connect(): Promise<PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<PoolClient> | void {
    if (!callback) {
      return new Promise((resolve, reject) =>
        this.connect((error, client) => (error ? reject(error) : resolve(client!))),
      );
    }
    const full = this.idleCount === 0 && this.totalCount >= this.options.max;
    if (full && this.waitingCount >= this.maxWaiting) {
      const error = new DatabaseUnavailableError(
        `${this.waitingCount} requests already wait for a database connection (DB_MAX_WAITING)`,
      );
      process.nextTick(() => callback(error, undefined, () => undefined));
      return;
    }
    super.connect((error, client, done) =>
      callback(
        error
          ? new DatabaseUnavailableError(`no database connection: ${error.message}`, {
              cause: error,
            })
          : undefined,
        client,
        done,
      ),
    );
  }
}

/**
 * Runs work in one transaction whose statements may each take DB_LONG_STATEMENT_TIMEOUT_MS:
 * for work that is long by nature (imports, retention sweeps). Without a BoundedPool (the CLI)
 * it is a plain transaction.
 */
export function longTransaction<R>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<R>,
): Promise<R> {
  return dataSource.transaction(async (manager) => {
    const client: unknown = await manager.queryRunner?.connect();
    if (!(client instanceof BoundedClient)) return work(manager);
    const restore = client.lengthen();
    try {
      await manager.query("SELECT set_config('statement_timeout', $1, true)", [
        String(client.bounds.longStatementTimeoutMs),
      ]);
      return await work(manager);
    } finally {
      restore();
    }
  });
}
