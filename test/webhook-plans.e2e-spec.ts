import { DataSource } from 'typeorm';
import { EventsRepository } from '../src/events/events.repository';
import { LOOK_BACK_PAGE } from '../src/events/event-relay';
import { WebhooksRepository } from '../src/webhooks/webhooks.repository';
import { startTestApp, type TestApp } from './support/app';

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
 * gets a DataSource that records the statement and answers one empty-handed row.
 */
async function statementOf(
  call: (recorder: DataSource) => Promise<unknown>,
): Promise<{ sql: string; params: unknown[] }> {
  const issued: { sql: string; params: unknown[] }[] = [];
  const recorder = {
    query: (sql: string, params: unknown[] = []) => {
      issued.push({ sql, params });
      return Promise.resolve([{ xid: null, id: null, scanned: 0 }]);
    },
  } as unknown as DataSource;
  await call(recorder);
  expect(issued).toHaveLength(1);
  return issued[0];
}

/** The page the dispatch is asked for (the worker's size). */
const PAGE = 1_000;
const dispatchPage = (recorder: DataSource) => new WebhooksRepository(recorder).dispatch(PAGE);

/**
 * Plans on a new install: no statistics have been gathered yet, so the planner's estimates can
 * be far off. Statements that run on every batch must not depend on them.
 */
describe('database plans on a database without statistics', () => {
  let app: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    app = await startTestApp();
    db = app.app.get(DataSource);
    // Keep the tables as a new install has them: autovacuum must not gather statistics meanwhile.
    for (const table of ['events', 'webhook_dispatch']) {
      await db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    }
    await db.query(
      `INSERT INTO events (type, payload) SELECT 'session.ended', '{}' FROM generate_series(1, $1)`,
      [HISTORY],
    );
    await dispatchedAll();
  });

  /** Puts the dispatch's cursor past every event. */
  const dispatchedAll = () =>
    db.query(
      `UPDATE webhook_dispatch SET (xid, event_id) =
         (SELECT xid, id FROM events ORDER BY xid DESC, id DESC LIMIT 1)`,
    );

  afterAll(async () => {
    await app?.close();
  });

  /** How many rows of `events` a statement reads (run, then rolled back). */
  async function eventsRead(sql: string, params: unknown[]): Promise<number> {
    const runner = db.createQueryRunner();
    await runner.startTransaction();
    try {
      const [{ 'QUERY PLAN': plan }] = await runner.query(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
        params,
      );
      return nodes(plan[0].Plan as PlanNode)
        .filter((node) => node['Relation Name'] === 'events')
        .reduce((sum, node) => sum + node['Actual Rows']! * node['Actual Loops']!, 0);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  // The dispatch runs for every batch of new events: a plan that starts from the first event
  // kept gets slower with every event, up to a week's.
  it('the webhook dispatch reads only the events past its cursor, not the history before it', async () => {
    const { sql, params } = await statementOf(dispatchPage);
    // Nothing is past the cursor; a plan that starts from the first event reads all HISTORY.
    expect(await eventsRead(sql, params)).toBe(0);
  });

  it('the webhook dispatch reads one page of a backlog, not the whole backlog', async () => {
    await db.query("UPDATE webhook_dispatch SET (xid, event_id) = ('0', 0)");
    try {
      const { sql, params } = await statementOf(dispatchPage);
      expect(await eventsRead(sql, params)).toBeLessThanOrEqual(PAGE);
    } finally {
      await dispatchedAll();
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
