import { randomUUID } from 'node:crypto';
import { DataSource, type QueryRunner } from 'typeorm';
import { EventsRepository } from '../src/events/events.repository';
import { LOOK_BACK_PAGE } from '../src/events/event-relay';
import { type ClaimedDelivery, WebhooksRepository } from '../src/webhooks/webhooks.repository';
import { startTestApp, type TestApp } from './support/app';
import { claimedDeliveries, unreachableWebhook, waitUntil } from './support/factories';

/** Events already behind the dispatch's cursor: a week of a busy chat's history, scaled down. */
const HISTORY = 20_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * The statement a repository call sends, with its parameters, instead of running it: `call`
 * gets a DataSource that records the statement and fails it.
 */
async function statementOf(
  call: (recorder: DataSource) => Promise<unknown>,
): Promise<{ sql: string; params: unknown[] }> {
  const issued: { sql: string; params: unknown[] }[] = [];
  const recorded = new Error('recorded, not run');
  const recorder = {
    query: (sql: string, params: unknown[] = []) => {
      issued.push({ sql, params });
      return Promise.reject(recorded);
    },
  } as unknown as DataSource;
  await expect(call(recorder)).rejects.toBe(recorded);
  expect(issued).toHaveLength(1);
  return issued[0];
}

/** A parameter as an SQL literal (an array's elements, here, never need quoting). */
function literal(value: unknown): string {
  if (typeof value === 'number') return String(value);
  const text = (item: unknown) => (item instanceof Date ? item.toISOString() : String(item));
  const written = Array.isArray(value)
    ? `{${value.map((item) => (item === null ? 'NULL' : text(item))).join(',')}}`
    : text(value);
  return `'${written.replace(/'/g, "''")}'`;
}

/** The page a reserve is asked for (the most a webhook's worker asks for). */
const PAGE = 256;
const reservePage = (webhookId: number) => (recorder: DataSource) =>
  new WebhooksRepository(recorder).reserve(webhookId, PAGE, PAGE, {
    now: new Date(),
    leaseUntil: new Date(Date.now() + 60_000),
    token: randomUUID(),
  });

/**
 * Plans on a new install: no statistics have been gathered yet, so the planner's estimates can
 * be far off. Statements that run on every batch must not depend on them.
 */
describe('database plans on a database without statistics', () => {
  let app: TestApp;
  let db: DataSource;
  /** A webhook made after the history: its cursor is past every event. */
  let reader: { id: number };

  beforeAll(async () => {
    app = await startTestApp();
    db = app.app.get(DataSource);
    // Keep the tables as a new install has them: autovacuum must not gather statistics meanwhile.
    for (const table of ['events', 'webhook_cursors', 'webhook_deliveries']) {
      await db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    }
    await db.query(
      `INSERT INTO events (type, payload) SELECT 'session.ended', '{}' FROM generate_series(1, $1)`,
      [HISTORY],
    );
    // Readers see only what is below the watermark, the oldest transaction still running in the
    // whole server: one another test file had open before the insert hides the history until it
    // ends (a backlog read as empty). Transactions begun later never hide it again.
    await waitUntil(
      async () =>
        (
          await db.query(
            'SELECT max(xid) < pg_snapshot_xmin(pg_current_snapshot()) AS below FROM events',
          )
        )[0].below === true,
    );
    reader = await unreachableWebhook(app, 'Reader');
  });

  afterAll(async () => {
    await app?.close();
  });

  /**
   * How many rows of `relation` a statement reads, run on `runner` (inside its transaction).
   * `generic`: with the plan PostgreSQL may keep for a prepared statement, made without the
   * parameters' values.
   */
  async function rowsRead(
    runner: QueryRunner,
    relation: string,
    sql: string,
    params: unknown[],
    plan: 'custom' | 'generic',
  ): Promise<number> {
    let explained = sql;
    if (plan === 'generic') {
      await runner.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await runner.query(`PREPARE probe AS ${sql}`);
      // EXECUTE in EXPLAIN takes no bound parameters: the values go in as literals.
      explained = `EXECUTE probe(${params.map(literal).join(', ')})`;
      params = [];
    }
    const [{ 'QUERY PLAN': result }] = await runner.query(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${explained}`,
      params,
    );
    return nodes(result[0].Plan as PlanNode)
      .filter((node) => node['Relation Name'] === relation)
      .reduce((sum, node) => sum + node['Actual Rows']! * node['Actual Loops']!, 0);
  }

  /**
   * Runs `work` in a transaction that is rolled back (and the probe it may have prepared
   * forgotten: only it, for the app's worker prepares its own statements on the same pooled
   * connections, and the driver would go on running them by name).
   */
  async function rolledBack<T>(work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    const runner = db.createQueryRunner();
    await runner.startTransaction();
    try {
      return await work(runner);
    } finally {
      await runner.rollbackTransaction();
      const probes = await runner.query(
        "SELECT 1 FROM pg_prepared_statements WHERE name = 'probe'",
      );
      if (probes.length) await runner.query('DEALLOCATE probe');
      await runner.release();
    }
  }

  /** How many rows of `events` a statement reads (run, then rolled back). */
  const eventsRead = (sql: string, params: unknown[], plan: 'custom' | 'generic' = 'custom') =>
    rolledBack((runner) => rowsRead(runner, 'events', sql, params, plan));

  // A reserve runs for every batch of new events: a plan that starts from the first event
  // kept gets slower with every event, up to a week's.
  // It is prepared: after a few runs on a connection, its plan may be the generic one.
  describe.each(['custom', 'generic'] as const)('with its %s plan', (plan) => {
    it("a webhook's reserve reads only the events past its cursor, not the history before it", async () => {
      const { sql, params } = await statementOf(reservePage(reader.id));
      // Nothing is past the cursor; a plan that starts from the first event reads all HISTORY.
      expect(await eventsRead(sql, params, plan)).toBe(0);
    });

    it("a webhook's reserve reads one page of a backlog, not the whole backlog", async () => {
      const { sql, params } = await statementOf(reservePage(reader.id));
      const read = await rolledBack(async (runner) => {
        // The whole history owed, in this transaction only (which holds the cursor meanwhile).
        await runner.query(
          "UPDATE webhook_cursors SET (xid, event_id) = ('0', 0) WHERE webhook_id = $1",
          [reader.id],
        );
        return rowsRead(runner, 'events', sql, params, plan);
      });
      expect(read).toBeLessThanOrEqual(PAGE);
      expect(read).toBeGreaterThan(0);
    });
  });

  // Logging successes and renewing leases run for every batch the worker sends; under a backlog
  // thousands of deliveries are pending, and a plan that reads them all to find the batch's
  // made each batch cost the whole backlog.
  describe.each(['custom', 'generic'] as const)('with its %s plan', (plan) => {
    const PENDING = 2_000;
    const BATCH = 20;

    /** A batch of BATCH claims among PENDING pending deliveries, written on `runner`. */
    async function claimedAmongPending(runner: QueryRunner): Promise<ClaimedDelivery[]> {
      const hook = await unreachableWebhook(app, 'Plans');
      const token = randomUUID();
      const ids = await claimedDeliveries(runner, hook, PENDING, token);
      return ids.slice(PENDING / 2, PENDING / 2 + BATCH).map(
        (id) =>
          ({
            id,
            webhook_id: hook.id,
            event_type: 'game.added',
            claim_token: token,
            attempts: 1,
          }) as ClaimedDelivery,
      );
    }

    const statements = {
      'logging successes': (batch: ClaimedDelivery[]) => (recorder: DataSource) =>
        new WebhooksRepository(recorder).recordDelivered(
          batch.map((delivery) => ({
            delivery,
            at: new Date(),
            statusCode: 200,
            durationMs: 1,
            responseBody: 'OK',
          })),
        ),
      'renewing leases': (batch: ClaimedDelivery[]) => (recorder: DataSource) =>
        new WebhooksRepository(recorder).renew(batch, new Date(Date.now() + 60_000)),
    };

    it.each(Object.keys(statements) as (keyof typeof statements)[])(
      '%s reads the deliveries of its batch, not every pending one',
      async (name) => {
        const read = await rolledBack(async (runner) => {
          const batch = await claimedAmongPending(runner);
          const { sql, params } = await statementOf(statements[name](batch));
          return rowsRead(runner, 'webhook_deliveries', sql, params, plan);
        });
        // Each of the batch's rows is found by its key (to lock it, then to update it) and
        // counted once more by the update itself when it returns the rows.
        expect(read).toBeLessThanOrEqual(3 * BATCH);
        expect(read).toBeGreaterThanOrEqual(BATCH);
      },
    );
  });

  // Parsing and planning them on every batch was a tenth of PostgreSQL's work per delivery.
  it("the webhook worker's statements are prepared once per connection", async () => {
    const runner = db.createQueryRunner();
    try {
      const onOneConnection = runner.manager as unknown as DataSource;
      const webhooks = new WebhooksRepository(onOneConnection);
      const claim = { now: new Date(), leaseUntil: new Date(), token: randomUUID() };
      await webhooks.reserve(reader.id, 1, 1, claim);
      await webhooks.takeOverPages(claim, 1);
      await webhooks.recordPageDelivered([]);
      await webhooks.claimDue(claim.now, claim.leaseUntil, claim.token, {
        perWebhook: 1,
        total: 1,
        busy: new Map(),
      });
      await webhooks.recordDelivered([]);
      await webhooks.renew([], claim.leaseUntil);
      const names = (await runner.query(
        'SELECT name FROM pg_prepared_statements ORDER BY name',
      )) as { name: string }[];
      expect(names.map((n) => n.name)).toEqual([
        'webhook-claim-due',
        'webhook-record-delivered',
        'webhook-record-page-delivered',
        'webhook-renew',
        'webhook-reserve',
        'webhook-take-over-pages',
      ]);
    } finally {
      await runner.release();
    }
  });

  it("the relay's look-back reads one page of a backlog, not the whole backlog", async () => {
    const { sql, params } = await statementOf((recorder) =>
      new EventsRepository(recorder).positionsAfter({ xid: '0', id: 0 }, LOOK_BACK_PAGE),
    );
    expect(await eventsRead(sql, params)).toBeLessThanOrEqual(LOOK_BACK_PAGE);
  });

  // PostgreSQL compiles a statement whose estimated cost is high; with estimates this far off,
  // a statement of a few milliseconds took hundreds while it was compiled.
  it("the app's connections never compile a statement with JIT", async () => {
    const [{ jit }] = await db.query<{ jit: string }[]>('SHOW jit');
    expect(jit).toBe('off');
  });
});
