import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { longTransaction } from '../database/bounded-pool';
import { modify, prepared, type Queryable, retryOnDeadlock, SqlParams } from '../database/sql';
import { BELOW_WATERMARK } from '../events/events.repository';
import type { EventPosition } from '../events/event-types';
import type { WebhookAttemptDto, WebhookDto } from './dto/webhook.dto';

/** Every column but the secret, which no read ever returns. */
const PUBLIC_COLUMNS = 'id, name, url, events, enabled, disabled_reason, created_at, updated_at';

export interface ClaimedDelivery {
  id: string;
  webhook_id: number;
  event_id: string | null;
  event_type: string;
  /** A test send's ready-made body; null for an event's (made from the event). */
  body: string | null;
  /**
   * The number of the attempt this claim makes. The row counts it only once the attempt is
   * recorded, so a claim lost to a crash leaves no gap in the numbers.
   */
  attempts: number;
  /** Null: as many as the retry schedule allows. */
  max_attempts: number | null;
  is_test: boolean;
  claim_token: string;
  /** Where to send; null once the webhook is deleted. */
  url: string | null;
  secret: string | null;
  /** The webhook has failed lately (a success clears it). */
  failing: boolean;
  /** The event, while it is stored. */
  event_created_at: Date | null;
  event_payload: unknown;
}

/** A claim: the lease it holds until, and the token that proves it. */
export interface Claim {
  now: Date;
  leaseUntil: Date;
  token: string;
}

/** A successful attempt, recorded with others in one statement. */
export interface Delivered {
  delivery: ClaimedDelivery;
  at: Date;
  statusCode: number;
  durationMs: number;
  responseBody: string | null;
}

export interface AttemptRow {
  deliveryId: string;
  webhookId: number;
  eventType: string;
  attempt: number;
  attemptedAt: Date;
  statusCode: number | null;
  durationMs: number;
  success: boolean;
  error: string | null;
  responseBody: string | null;
}

/** What is owed to webhooks, for the metrics. */
export interface WebhookBacklog {
  pending: number;
  /** Age of the oldest pending delivery; 0 when none. */
  oldestPendingSeconds: number;
  /** How long the longest-waiting due delivery has been due; 0 when none. */
  dueLagSeconds: number;
}

export type WebhookChanges = Partial<
  Pick<WebhookDto, 'name' | 'url' | 'events' | 'enabled'> & { secret: string }
>;

const CLAIMED_COLUMNS = `c.id, c.webhook_id, c.event_id, c.event_type, c.body, c.attempts + 1 AS attempts, c.max_attempts,
  c.is_test, c.claim_token, w.url, w.secret, w.failing_since IS NOT NULL AS failing,
  e.created_at AS event_created_at, e.payload AS event_payload`;

/**
 * A statement that claims delivery rows (after `before`, more CTEs), answering them whole with
 * what a send needs.
 */
function claimingStatement(claiming: string, before = ''): string {
  return `WITH ${before}claimed AS (${claiming})
     SELECT ${CLAIMED_COLUMNS}
     FROM claimed c LEFT JOIN webhooks w ON w.id = c.webhook_id LEFT JOIN events e ON e.id = c.event_id
     ORDER BY c.next_attempt_at, c.id`;
}

/**
 * A CTE `locked`: the pending deliveries among `rows` (an `r(id, token, ...)` list, in id order:
 * see `inIdOrder`) still under their claim's token, with `columns` of `r`. Statements that
 * update many claimed deliveries at once (logging successes, renewing leases, giving claims
 * back) can run at the same time on the same rows; locking them in one order means none ever
 * waits on another while holding a row that one wants (a deadlock, which cost a batch of logged
 * successes: they were sent again).
 *
 * Each row is looked up by its key and locked in a lateral subquery, which PostgreSQL runs once
 * per listed row, in the list's order, whatever the statistics say. Joined plainly, the planner
 * could read every pending delivery to find the few listed (a hash join over the claim index),
 * and under a backlog of thousands each batch of logged successes read them all. For the same
 * reason the statements' UPDATE names the rows by key as well (`d.id = ANY ($1)`), or it may
 * read the whole table to join it with `locked`.
 */
function lockedInIdOrder(rows: string, columns = ''): string {
  return `locked AS (
      SELECT d.id${columns ? ', ' + columns : ''} FROM ${rows}
      CROSS JOIN LATERAL (
        SELECT d.id FROM webhook_deliveries d
        WHERE d.id = r.id AND d.claim_token = r.token AND d.status = 'pending'
        FOR UPDATE
      ) d
    )`;
}

/** Claimed deliveries (or what holds one) sorted by id, the order `lockedInIdOrder` locks in. */
function inIdOrder<T>(items: T[], id: (item: T) => string): T[] {
  return [...items].sort((a, b) => Number(id(a)) - Number(id(b)));
}

/** Claims held, as `$1` their ids and `$2` their tokens: what `lockedInIdOrder` takes. */
const HELD = 'unnest($1::bigint[], $2::uuid[]) AS r(id, token)';

// The worker's statements, run on every batch: prepared (see `prepared`).

const DISPATCH = prepared(
  'webhook-dispatch',
  `WITH cursor AS (
      SELECT xid, event_id FROM webhook_dispatch FOR UPDATE SKIP LOCKED
    ), batch AS (
      SELECT e.id, e.xid, e.type, e.created_at FROM cursor c CROSS JOIN LATERAL (
        SELECT id, xid, type, created_at FROM events
        WHERE (xid, id) > (c.xid, c.event_id) AND ${BELOW_WATERMARK}
        ORDER BY xid, id LIMIT $1
      ) e
    ), last AS (
      SELECT xid, id FROM batch ORDER BY xid DESC, id DESC LIMIT 1
    ), created AS (
      INSERT INTO webhook_deliveries (webhook_id, event_id, event_type)
      SELECT w.id, b.id, b.type FROM batch b
      JOIN webhooks w ON w.enabled AND b.type = ANY (w.events) AND w.created_at <= b.created_at
      ORDER BY b.xid, b.id, w.id
      ON CONFLICT (webhook_id, event_id) DO NOTHING
    ), moved AS (
      UPDATE webhook_dispatch SET xid = last.xid, event_id = last.id FROM last
      RETURNING webhook_dispatch.xid, webhook_dispatch.event_id
    )
    SELECT coalesce((SELECT xid FROM moved), (SELECT xid FROM cursor))::text AS xid,
           coalesce((SELECT event_id FROM moved), (SELECT event_id FROM cursor)) AS id,
           (SELECT count(*) FROM batch)::int AS scanned`,
);

const CLAIM_DUE = prepared(
  'webhook-claim-due',
  claimingStatement(
    `UPDATE webhook_deliveries d
     SET next_attempt_at = $2, claimed_until = $2, claim_token = $3
     FROM locked WHERE d.id = locked.id
     RETURNING d.*`,
    `locked AS (
       SELECT d.id FROM webhooks w
       LEFT JOIN unnest($4::int[], $5::int[]) AS busy(webhook_id, n) ON busy.webhook_id = w.id
       CROSS JOIN LATERAL (
         SELECT c.id FROM webhook_deliveries c
         WHERE c.webhook_id = w.id AND c.status = 'pending' AND c.next_attempt_at < $1::timestamptz + interval '1 millisecond'
         ORDER BY c.next_attempt_at, c.id
         LIMIT greatest($6::int - coalesce(busy.n, 0), 0)
         FOR UPDATE SKIP LOCKED
       ) d
       WHERE w.enabled
       LIMIT $7
     ), `,
  ),
);

const RECORD_DELIVERED = prepared(
  'webhook-record-delivered',
  `WITH attempts AS (
      INSERT INTO webhook_attempts (delivery_id, webhook_id, event_type, attempt, attempted_at,
                                    status_code, duration_ms, success, response_body)
      SELECT delivery_id, webhook_id, event_type, attempt, attempted_at, status_code, duration_ms, true, response_body
      FROM unnest($1::bigint[], $2::int[], $3::text[], $4::int[], $5::timestamptz[], $6::int[], $7::int[], $8::text[])
        AS a(delivery_id, webhook_id, event_type, attempt, attempted_at, status_code, duration_ms, response_body)
    ), ${lockedInIdOrder('unnest($1::bigint[], $9::uuid[], $5::timestamptz[], $6::int[], $4::int[]) AS r(id, token, at, status_code, attempt)', 'r.at, r.status_code, r.attempt')}
    UPDATE webhook_deliveries d
    SET status = 'delivered', delivered_at = l.at, claimed_until = NULL, last_status_code = l.status_code,
        last_error = NULL, attempts = l.attempt
    FROM locked l WHERE d.id = l.id AND d.id = ANY ($1::bigint[])`,
);

const RENEW = prepared(
  'webhook-renew',
  `WITH ${lockedInIdOrder(HELD)}
    UPDATE webhook_deliveries d SET next_attempt_at = $3, claimed_until = $3
    FROM locked l WHERE d.id = l.id AND d.id = ANY ($1::bigint[])
    RETURNING d.id`,
);

/**
 * Every statement on `webhooks`, `webhook_deliveries`, `webhook_attempts` and
 * `webhook_dispatch`.
 *
 * Delivery rows are made from the event log by `dispatch`: it reads the events past its cursor
 * in commit order, below the watermark (see EventsRepository), and writes one delivery per
 * enabled webhook subscribed to each event's type (and older than the event), moving the
 * cursor in the same statement.
 * An event is therefore owed to a webhook from its commit on, crash or not, without any cost
 * inside the event's own transaction. Test sends and manual retries are written here too.
 */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  list(): Promise<WebhookDto[]> {
    return this.dataSource.query(`SELECT ${PUBLIC_COLUMNS} FROM webhooks ORDER BY id`);
  }

  async get(id: number): Promise<WebhookDto | undefined> {
    const [webhook] = await this.dataSource.query<WebhookDto[]>(
      `SELECT ${PUBLIC_COLUMNS} FROM webhooks WHERE id = $1`,
      [id],
    );
    return webhook;
  }

  async create(webhook: {
    name: string;
    url: string;
    secret: string;
    events: string[];
  }): Promise<WebhookDto> {
    const [created] = await this.dataSource.query<WebhookDto[]>(
      `INSERT INTO webhooks (name, url, secret, events) VALUES ($1, $2, $3, $4) RETURNING ${PUBLIC_COLUMNS}`,
      [webhook.name, webhook.url, webhook.secret, webhook.events],
    );
    return created;
  }

  /** Applies the given changes; enabling again gives the webhook a fresh start. */
  async update(id: number, changes: WebhookChanges): Promise<WebhookDto | undefined> {
    const params = new SqlParams([id]);
    const sets = Object.entries(changes)
      .filter(([, value]) => value !== undefined)
      .map(([column, value]) => `${column} = ${params.bind(value)}`);
    if (changes.enabled === true) sets.push('disabled_reason = NULL', 'failing_since = NULL');
    if (sets.length === 0) return this.get(id);
    const { rows } = await modify<WebhookDto>(
      this.dataSource,
      `UPDATE webhooks SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING ${PUBLIC_COLUMNS}`,
      params.values,
    );
    return rows[0];
  }

  async remove(id: number): Promise<boolean> {
    const { count } = await retryOnDeadlock(() =>
      modify(this.dataSource, 'DELETE FROM webhooks WHERE id = $1', [id]),
    );
    return count > 0;
  }

  /** The event types that enabled webhooks subscribe to. */
  async subscribedTypes(): Promise<string[]> {
    const rows = await this.dataSource.query<{ type: string }[]>(
      'SELECT DISTINCT unnest(events) AS type FROM webhooks WHERE enabled',
    );
    return rows.map((r) => r.type);
  }

  logs(id: number, limit: number): Promise<WebhookAttemptDto[]> {
    return this.dataSource.query(
      `SELECT a.id::int AS id, a.delivery_id::int AS delivery_id, a.event_type AS event, a.attempt, a.attempted_at, a.status_code,
              a.duration_ms, a.success, a.error, a.response_body, d.status AS delivery_status
       FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
       WHERE a.webhook_id = $1 ORDER BY a.id DESC LIMIT $2`,
      [id, limit],
    );
  }

  /** A one-attempt delivery of a ready-made body (a test send), claimed for the caller. */
  async insertTestDelivery(
    webhookId: number,
    eventType: string,
    body: string,
    claim: Claim,
  ): Promise<ClaimedDelivery> {
    const [delivery] = await this.claim(
      `INSERT INTO webhook_deliveries (webhook_id, event_type, body, max_attempts, is_test,
                                       next_attempt_at, claimed_until, claim_token)
       VALUES ($1, $2, $3, 1, true, $4, $4, $5)
       RETURNING *`,
      [webhookId, eventType, body, claim.leaseUntil, claim.token],
    );
    return delivery;
  }

  /**
   * Claims a delivery that is not delivered for one more attempt now: one more for a failed
   * one, the next of its schedule for a pending one. Undefined when it is delivered, being
   * sent, or not there.
   */
  async claimForRetry(
    webhookId: number,
    deliveryId: number,
    claim: Claim,
  ): Promise<ClaimedDelivery | undefined> {
    const [delivery] = await this.claim(
      `UPDATE webhook_deliveries
       SET status = 'pending', next_attempt_at = $3, claimed_until = $3, claim_token = $4,
           max_attempts = CASE WHEN status = 'pending' THEN max_attempts ELSE attempts + 1 END
       WHERE id = $1 AND webhook_id = $2 AND status <> 'delivered'
         AND (claimed_until IS NULL OR claimed_until < $5)
       RETURNING *`,
      [deliveryId, webhookId, claim.leaseUntil, claim.token, claim.now],
    );
    return delivery;
  }

  async deliveryStatus(webhookId: number, deliveryId: number): Promise<string | undefined> {
    const [row] = await this.dataSource.query<{ status: string }[]>(
      'SELECT status FROM webhook_deliveries WHERE id = $1 AND webhook_id = $2',
      [deliveryId, webhookId],
    );
    return row?.status;
  }

  /**
   * Creates the deliveries of the events committed since the last dispatch. One instance at a
   * time (the cursor row is locked; the others skip). Answers the cursor it left, or undefined
   * when another instance was dispatching.
   *
   * The events are read through a lateral subquery, so the cursor is the start of an index
   * range scan whatever the statistics say. Joined plainly, a new database's planner started
   * from the first event kept and filtered up to the cursor: every dispatch read the whole
   * history, and catching up with a backlog took time quadratic in its size.
   */
  async dispatch(limit: number): Promise<{ position?: EventPosition; scanned: number }> {
    const [row] = await this.dataSource.query<
      { xid: string | null; id: string | null; scanned: number }[]
    >(DISPATCH, [limit]);
    return {
      position: row.xid === null ? undefined : { xid: row.xid, id: Number(row.id) },
      scanned: row.scanned,
    };
  }

  /**
   * Claims due deliveries with a lease (their next attempt moves to the lease's end, so a
   * crashed worker's claim comes due again by itself): per enabled webhook, up to
   * `perWebhook` minus what this worker already has in flight for it, `total` at most. SKIP
   * LOCKED lets workers on every instance claim side by side, each attempt once. The plan is an
   * index range scan per webhook, whatever the table's statistics say.
   *
   * `now`, a Date, stands for its whole millisecond: a delivery the dispatch made moments
   * before is due from PostgreSQL's clock, which counts microseconds, and was otherwise not
   * yet due when both fell in the same millisecond. It then waited for the next claim: the
   * next event's, or for the last event of a chat, the poll's, up to WEBHOOK_POLL_MS later.
   */
  claimDue(
    now: Date,
    leaseUntil: Date,
    token: string,
    limits: { perWebhook: number; total: number; busy: Map<number, number> },
  ): Promise<ClaimedDelivery[]> {
    return this.dataSource.query<ClaimedDelivery[]>(CLAIM_DUE, [
      now,
      leaseUntil,
      token,
      [...limits.busy.keys()],
      [...limits.busy.values()],
      limits.perWebhook,
      limits.total,
    ]);
  }

  /** Runs a statement that claims delivery rows; answers them with what a send needs. */
  private claim(claiming: string, params: unknown[]): Promise<ClaimedDelivery[]> {
    return this.dataSource.query<ClaimedDelivery[]>(claimingStatement(claiming), params);
  }

  /**
   * Extends the lease of claims still held (same token, still pending) to `leaseUntil`; answers
   * the ids renewed.
   */
  async renew(held: ClaimedDelivery[], leaseUntil: Date): Promise<string[]> {
    const deliveries = inIdOrder(held, (d) => d.id);
    const { rows } = await modify<{ id: string }>(this.dataSource, RENEW, [
      deliveries.map((d) => d.id),
      deliveries.map((d) => d.claim_token),
      leaseUntil,
    ]);
    return rows.map((r) => String(r.id));
  }

  /** Gives back claimed deliveries that were not sent (on shutdown): due again at once. */
  async release(held: ClaimedDelivery[]): Promise<void> {
    const deliveries = inIdOrder(held, (d) => d.id);
    await this.dataSource.query(
      `WITH ${lockedInIdOrder(HELD)}
       UPDATE webhook_deliveries d SET next_attempt_at = now(), claimed_until = NULL, claim_token = NULL
       FROM locked l WHERE d.id = l.id AND d.id = ANY ($1::bigint[])`,
      [deliveries.map((d) => d.id), deliveries.map((d) => d.claim_token)],
    );
  }

  /**
   * Records successful attempts in one statement: their log rows, and their deliveries as
   * delivered (those whose claim is still the worker's).
   */
  async recordDelivered(attempts: Delivered[]): Promise<void> {
    const done = inIdOrder(attempts, (d) => d.delivery.id);
    const column = <T>(pick: (d: Delivered) => T) => done.map(pick);
    await this.dataSource.query(RECORD_DELIVERED, [
      column((d) => d.delivery.id),
      column((d) => d.delivery.webhook_id),
      column((d) => d.delivery.event_type),
      column((d) => d.delivery.attempts),
      column((d) => d.at),
      column((d) => d.statusCode),
      column((d) => d.durationMs),
      column((d) => d.responseBody),
      column((d) => d.delivery.claim_token),
    ]);
  }

  async insertAttempt(db: Queryable, a: AttemptRow): Promise<void> {
    await db.query(
      `INSERT INTO webhook_attempts (delivery_id, webhook_id, event_type, attempt, attempted_at, status_code, duration_ms, success, error, response_body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        a.deliveryId,
        a.webhookId,
        a.eventType,
        a.attempt,
        a.attemptedAt,
        a.statusCode,
        a.durationMs,
        a.success,
        a.error,
        a.responseBody,
      ],
    );
  }

  /**
   * Ends this claim of a delivery: delivered, failed for good, or pending again at
   * `nextAttemptAt`. Only the claim's holder (its token) can.
   */
  async settle(
    db: Queryable,
    delivery: ClaimedDelivery,
    outcome: {
      status: 'delivered' | 'failed' | 'pending';
      at: Date;
      statusCode: number | null;
      error: string | null;
      nextAttemptAt?: Date;
    },
  ): Promise<void> {
    await db.query(
      `UPDATE webhook_deliveries
       SET status = $3, claimed_until = NULL, last_status_code = $4, last_error = $5,
           delivered_at = CASE WHEN $3 = 'delivered' THEN $6::timestamptz END,
           next_attempt_at = coalesce($7, next_attempt_at), attempts = $8
       WHERE id = $1 AND claim_token = $2`,
      [
        delivery.id,
        delivery.claim_token,
        outcome.status,
        outcome.statusCode,
        outcome.error,
        outcome.at,
        outcome.nextAttemptAt ?? null,
        delivery.attempts,
      ],
    );
  }

  async clearFailing(db: Queryable, webhookId: number): Promise<void> {
    await db.query(
      'UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL',
      [webhookId],
    );
  }

  /** Notes that the webhook is failing; answers since when (undefined if it is gone). */
  async markFailing(db: Queryable, webhookId: number, at: Date): Promise<Date | undefined> {
    const { rows } = await modify<{ failing_since: Date }>(
      db,
      'UPDATE webhooks SET failing_since = coalesce(failing_since, $2) WHERE id = $1 RETURNING failing_since',
      [webhookId, at],
    );
    return rows[0]?.failing_since;
  }

  /** Disables a webhook and fails what it still owed. */
  async disable(db: Queryable, webhookId: number, reason: string): Promise<void> {
    await db.query(
      'UPDATE webhooks SET enabled = false, disabled_reason = $2, updated_at = now() WHERE id = $1',
      [webhookId, reason],
    );
    await db.query(
      `UPDATE webhook_deliveries SET status = 'failed', claimed_until = NULL, last_error = coalesce(last_error, $2)
       WHERE webhook_id = $1 AND status = 'pending'`,
      [webhookId, `webhook disabled: ${reason}`],
    );
  }

  /**
   * The pending deliveries, every instance's: reads only the pending rows (found through the
   * claim index), which are few unless receivers are down.
   */
  async backlog(): Promise<WebhookBacklog> {
    const [row] = await this.dataSource.query<WebhookBacklog[]>(
      `SELECT count(*)::int AS "pending",
              coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS "oldestPendingSeconds",
              greatest(coalesce(extract(epoch FROM now() - min(next_attempt_at)), 0), 0)::float8 AS "dueLagSeconds"
       FROM webhook_deliveries WHERE status = 'pending'`,
    );
    return row;
  }

  /** Deletes finished deliveries (and their attempts) older than `hours`; pending ones are owed. */
  async deleteFinishedOlderThan(hours: number): Promise<number> {
    const { count } = await longTransaction(this.dataSource, (db) =>
      modify(
        db,
        `DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < now() - make_interval(hours => $1)`,
        [hours],
      ),
    );
    return count;
  }
}
