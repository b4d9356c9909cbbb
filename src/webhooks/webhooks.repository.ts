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
  /** The event, while it is stored: its time as JavaScript's toISOString writes it. */
  event_time: string | null;
  event_payload: unknown;
  /**
   * The page this delivery was reserved in, when it has no row yet (its first attempt, sent
   * before anything is written): the page's lease is its claim, `claim_token` the page's.
   */
  page?: string;
}

/** A page as its holder knows it. */
export interface PageHeld {
  id: string;
  token: string;
}

/** A page reserved or taken over, and what of it is owed: the deliveries without a row. */
export interface ReservedPage {
  id: string;
  webhookId: number;
  token: string;
  deliveries: ClaimedDelivery[];
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

/**
 * An event's time as ISO text, to the millisecond, exactly as toISOString writes the time the
 * driver reads (both cut the microseconds off): read as text, it costs nothing to parse.
 */
function isoTime(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

const CLAIMED_COLUMNS = `c.id, c.webhook_id, c.event_id, c.event_type, c.body, c.attempts + 1 AS attempts, c.max_attempts,
  c.is_test, c.claim_token, w.url, w.secret, w.failing_since IS NOT NULL AS failing,
  ${isoTime('e.created_at')} AS event_time, e.payload AS event_payload`;

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

/** The last event below the watermark: where a cursor starts that owes nothing yet. */
const WATERMARK_POSITION = `(SELECT xid, id FROM events WHERE ${BELOW_WATERMARK} ORDER BY xid DESC, id DESC LIMIT 1)`;

/**
 * What a send needs of a page's delivery besides what its page gives: a JSON array (see
 * `PageDelivery`), so the page's deliveries come as one column, parsed at once. Read as rows,
 * each with the webhook's URL and secret again, they were most of the worker's parsing in a
 * burst. `event` names the joined events row.
 */
function pageDelivery(deliveryId: string, eventId: string, type: string, event: string): string {
  return `json_build_array(${deliveryId}::text, ${eventId}::text, ${type}, ${isoTime(`${event}.created_at`)}, ${event}.payload)`;
}

/** A page's delivery as `pageDelivery` makes it; the time and payload are null once the event is gone. */
type PageDelivery = [
  id: string,
  eventId: string,
  eventType: string,
  eventTime: string | null,
  payload: unknown,
];

/** A page as the reserve and takeover statements answer it. */
interface PageRow {
  page: string | null;
  url: string | null;
  secret: string | null;
  deliveries: PageDelivery[] | null;
}

/** The deliveries a page owes, ready to send under the page's claim. */
function owedDeliveries(row: PageRow, webhookId: number, token: string): ClaimedDelivery[] {
  return (row.deliveries ?? []).map(([id, eventId, eventType, eventTime, payload]) => ({
    id,
    webhook_id: webhookId,
    event_id: eventId,
    event_type: eventType,
    body: null,
    attempts: 1,
    max_attempts: null,
    is_test: false,
    claim_token: token,
    url: row.url,
    secret: row.secret,
    failing: false,
    event_time: eventTime,
    event_payload: payload,
    page: row.page!,
  }));
}

const RESERVE = prepared(
  'webhook-reserve',
  `WITH cursor AS (
      SELECT c.xid, c.event_id, c.since, w.events, w.failing_since IS NOT NULL AS failing, w.url, w.secret
      FROM webhook_cursors c JOIN webhooks w ON w.id = c.webhook_id
      WHERE c.webhook_id = $1 AND w.enabled
      FOR UPDATE OF c SKIP LOCKED
    ), scanned AS (
      SELECT e.id, e.xid, e.type, e.created_at, e.payload,
             e.type = ANY (c.events) AND e.created_at >= c.since AS wanted
      FROM cursor c CROSS JOIN LATERAL (
        SELECT id, xid, type, created_at, payload FROM events
        WHERE (xid, id) > (c.xid, c.event_id) AND ${BELOW_WATERMARK}
        ORDER BY xid, id LIMIT CASE WHEN c.failing THEN $5::int ELSE $2::int END
      ) e
    ), owed AS (
      SELECT id, xid, type, created_at, payload, nextval('webhook_deliveries_id_seq') AS delivery_id
      FROM (SELECT * FROM scanned WHERE wanted ORDER BY xid, id) w
    ), last AS (
      SELECT xid, id FROM scanned ORDER BY xid DESC, id DESC LIMIT 1
    ), moved AS (
      UPDATE webhook_cursors c SET xid = last.xid, event_id = last.id FROM last
      WHERE c.webhook_id = $1
    ), waiting AS (
      INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type)
      SELECT o.delivery_id, $1, o.id, o.type FROM owed o, cursor c WHERE c.failing
      RETURNING id
    ), page AS (
      INSERT INTO webhook_pages (webhook_id, event_ids, delivery_ids, event_types, claimed_until, claim_token)
      SELECT $1, array_agg(o.id ORDER BY o.xid, o.id), array_agg(o.delivery_id ORDER BY o.xid, o.id),
             array_agg(o.type ORDER BY o.xid, o.id), $3, $4
      FROM owed o, cursor c WHERE NOT c.failing HAVING count(*) > 0
      RETURNING id
    ), summary AS (
      SELECT coalesce((SELECT xid FROM last), (SELECT xid FROM cursor))::text AS cursor_xid,
             coalesce((SELECT id FROM last), (SELECT event_id FROM cursor)) AS cursor_id,
             (SELECT count(*) FROM scanned)::int AS scanned, EXISTS (SELECT 1 FROM cursor) AS reserved,
             EXISTS (SELECT 1 FROM waiting) AS waiting,
             (SELECT url FROM cursor) AS url, (SELECT secret FROM cursor) AS secret
    )
    SELECT s.*, p.id::text AS page,
           (SELECT json_agg(${pageDelivery('o.delivery_id', 'o.id', 'o.type', 'o')} ORDER BY o.xid, o.id)
            FROM owed o WHERE p.id IS NOT NULL) AS deliveries
    FROM summary s LEFT JOIN page p ON true`,
);

/**
 * Pages whose holder's lease ended (it died, or gave them back), taken over with a new lease:
 * a row per page, with the deliveries it still owes (those without a row of their own yet),
 * none for a page that owes nothing any more.
 */
const TAKE_OVER_PAGES = prepared(
  'webhook-take-over-pages',
  `WITH taken AS (
      UPDATE webhook_pages p SET claimed_until = $2, claim_token = $3
      FROM (
        SELECT p.id FROM webhook_pages p JOIN webhooks w ON w.id = p.webhook_id AND w.enabled
        WHERE p.claimed_until < $1 ORDER BY p.id LIMIT $4 FOR UPDATE OF p SKIP LOCKED
      ) t WHERE p.id = t.id
      RETURNING p.*
    )
    SELECT t.id::text AS page, t.webhook_id, t.claim_token::text AS token, w.url, w.secret,
           (SELECT json_agg(${pageDelivery('u.delivery_id', 'u.event_id', 'coalesce(e.type, u.event_type)', 'e')} ORDER BY u.n)
            FROM unnest(t.event_ids, t.delivery_ids, t.event_types) WITH ORDINALITY AS u(event_id, delivery_id, event_type, n)
            LEFT JOIN events e ON e.id = u.event_id
            WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.id = u.delivery_id)) AS deliveries
    FROM taken t LEFT JOIN webhooks w ON w.id = t.webhook_id
    ORDER BY t.id`,
);

/**
 * A CTE `held`: the pages among `r(id, token)` (in id order: see `inIdOrder`) still under
 * their token, locked `strength` one by one in the list's order. Renewing and writing outcomes
 * lock several pages at once, side by side: one order means neither waits for a page while
 * holding one the other wants.
 */
function pagesHeld(rows: string, strength: 'SHARE' | 'UPDATE'): string {
  return `held AS (
      SELECT p.id FROM ${rows}
      CROSS JOIN LATERAL (
        SELECT p.id FROM webhook_pages p WHERE p.id = r.id AND p.claim_token = r.token
        FOR ${strength}
      ) p
    )`;
}

/**
 * Successful first attempts of pages' deliveries: each gets its row, delivered, and its log
 * row, if its page is still held under the token (locked, so a takeover waits for this).
 */
const RECORD_PAGE_DELIVERED = prepared(
  'webhook-record-page-delivered',
  `WITH ${pagesHeld('unnest($10::bigint[], $11::uuid[]) AS r(id, token)', 'SHARE')}, done AS (
      SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::bigint[], $5::timestamptz[], $6::int[], $7::int[], $8::text[], $9::bigint[])
        AS a(delivery_id, webhook_id, event_type, event_id, attempted_at, status_code, duration_ms, response_body, page_id)
      WHERE a.page_id IN (SELECT id FROM held)
    ), delivered AS (
      INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, status, attempts, delivered_at,
                                      last_status_code, next_attempt_at)
      -- The event may have been swept away since (retention, for a cursor a day behind): its key
      -- would fail the whole batch, so it goes as the sweep leaves rows of its deleted events.
      SELECT delivery_id, webhook_id, (SELECT e.id FROM events e WHERE e.id = done.event_id),
             event_type, 'delivered', 1, attempted_at, status_code, attempted_at
      FROM done
    )
    INSERT INTO webhook_attempts (delivery_id, webhook_id, event_type, attempt, attempted_at,
                                  status_code, duration_ms, success, response_body)
    SELECT delivery_id, webhook_id, event_type, 1, attempted_at, status_code, duration_ms, true, response_body
    FROM done`,
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
  `WITH ${lockedInIdOrder(
    `unnest($1::bigint[], $9::uuid[], $2::int[], $3::text[], $4::int[], $5::timestamptz[], $6::int[], $7::int[], $8::text[])
       AS r(id, token, webhook_id, event_type, attempt, at, status_code, duration_ms, response_body)`,
    'r.webhook_id, r.event_type, r.attempt, r.at, r.status_code, r.duration_ms, r.response_body',
  )}, attempts AS (
      -- Only the claims still held: a row deleted meanwhile (its webhook was) has no attempt to
      -- log, and its key would fail the whole batch.
      INSERT INTO webhook_attempts (delivery_id, webhook_id, event_type, attempt, attempted_at,
                                    status_code, duration_ms, success, response_body)
      SELECT id, webhook_id, event_type, attempt, at, status_code, duration_ms, true, response_body
      FROM locked
    )
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
 * Every statement on `webhooks`, `webhook_cursors`, `webhook_pages`, `webhook_deliveries` and
 * `webhook_attempts`.
 *
 * Deliveries come from the event log: `reserve` reads the events past a webhook's cursor, in
 * commit order and below the watermark (see EventsRepository), and reserves those the webhook
 * subscribes to as a page, moving the cursor in the same statement. An event is therefore owed
 * to a webhook from its commit on, crash or not, without any cost inside the event's own
 * transaction. A page's deliveries are sent first and written after: each gets its row once
 * attempted (`recordPageDelivered` for successes, `materialize` before a failure's outcome),
 * so a delivery that succeeds the first time is written once. Pending rows (retries, a failing
 * webhook's deliveries, test sends and manual retries) are claimed with a lease.
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

  /** A new webhook, owed the events committed from now on (its cursor starts at the watermark). */
  async create(webhook: {
    name: string;
    url: string;
    secret: string;
    events: string[];
  }): Promise<WebhookDto> {
    const [created] = await this.dataSource.query<WebhookDto[]>(
      `WITH created AS (
         INSERT INTO webhooks (name, url, secret, events) VALUES ($1, $2, $3, $4) RETURNING ${PUBLIC_COLUMNS}
       ), cursor AS (
         INSERT INTO webhook_cursors (webhook_id, xid, event_id)
         SELECT created.id, coalesce(last.xid, '0'), coalesce(last.id, 0)
         FROM created LEFT JOIN ${WATERMARK_POSITION} last ON true
       )
       SELECT * FROM created`,
      [webhook.name, webhook.url, webhook.secret, webhook.events],
    );
    return created;
  }

  /**
   * Applies the given changes. Enabling a disabled webhook again gives it a fresh start: its
   * failures are forgotten and it is owed the events from now on, not those of while it was off.
   */
  async update(id: number, changes: WebhookChanges): Promise<WebhookDto | undefined> {
    const params = new SqlParams([id]);
    const sets = Object.entries(changes)
      .filter(([, value]) => value !== undefined)
      .map(([column, value]) => `${column} = ${params.bind(value)}`);
    if (changes.enabled === true) sets.push('disabled_reason = NULL', 'failing_since = NULL');
    if (sets.length === 0) return this.get(id);
    const rows = await this.dataSource.query<WebhookDto[]>(
      // The update reads `before`, so the old state is read (and the row locked) first.
      `WITH before AS (
         SELECT id AS webhook_id, enabled AS was_enabled FROM webhooks WHERE id = $1 FOR UPDATE
       ), updated AS (
         UPDATE webhooks SET ${sets.join(', ')}, updated_at = now() FROM before WHERE id = before.webhook_id
         RETURNING ${PUBLIC_COLUMNS}, before.was_enabled
       ), restarted AS (
         UPDATE webhook_cursors c
         SET xid = coalesce(last.xid, '0'), event_id = coalesce(last.id, 0), since = now()
         FROM updated LEFT JOIN ${WATERMARK_POSITION} last ON true
         WHERE c.webhook_id = updated.id AND updated.enabled AND NOT updated.was_enabled
       )
       SELECT ${PUBLIC_COLUMNS} FROM updated`,
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

  /** The enabled webhooks and the event types each subscribes to. */
  enabledSubscriptions(): Promise<{ id: number; events: string[] }[]> {
    return this.dataSource.query('SELECT id, events FROM webhooks WHERE enabled ORDER BY id');
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
   * Reads the events past a webhook's cursor, in commit order and below the watermark (see
   * EventsRepository), `room` at most, and moves the cursor past them. Those the webhook
   * subscribes to (made since it was made or last enabled) become a page held under `claim`
   * (answered, ready to send) or, while the webhook is failing, pending rows (`failingPage`
   * events read at most), which wait for the retry schedule's claims. One instance at a time
   * per webhook (its cursor row is locked; the others skip it): `reserved` is false when
   * another instance was reading, or the webhook is disabled or gone.
   *
   * The events are read through a lateral subquery, so the cursor is the start of an index
   * range scan whatever the statistics say. Joined plainly, a new database's planner started
   * from the first event kept and filtered up to the cursor: every read covered the whole
   * history, and catching up with a backlog took time quadratic in its size.
   */
  async reserve(
    webhookId: number,
    room: number,
    failingPage: number,
    claim: Claim,
  ): Promise<{
    reserved: boolean;
    position?: EventPosition;
    scanned: number;
    /** Pending rows were written (the webhook is failing). */
    waiting: boolean;
    page?: ReservedPage;
  }> {
    const [summary] = await this.dataSource.query<
      (PageRow & {
        cursor_xid: string | null;
        cursor_id: string | null;
        scanned: number;
        reserved: boolean;
        waiting: boolean;
      })[]
    >(RESERVE, [webhookId, room, claim.leaseUntil, claim.token, failingPage]);
    const position =
      summary.cursor_xid === null
        ? undefined
        : { xid: summary.cursor_xid, id: Number(summary.cursor_id) };
    const { reserved, scanned, waiting, page } = summary;
    if (!page) return { reserved, position, scanned, waiting };
    const deliveries = owedDeliveries(summary, webhookId, claim.token);
    return {
      reserved,
      position,
      scanned,
      waiting,
      page: { id: page, webhookId, token: claim.token, deliveries },
    };
  }

  /**
   * Takes over up to `limit` pages whose lease ended before `claim.now`: their holder died, or
   * gave them back. Each comes with the deliveries it still owes, those without a row; a page
   * owing none (its holder wrote them all, then died before deleting it) comes with none.
   */
  async takeOverPages(claim: Claim, limit: number): Promise<ReservedPage[]> {
    const rows = await this.dataSource.query<(PageRow & { webhook_id: number; token: string })[]>(
      TAKE_OVER_PAGES,
      [claim.now, claim.leaseUntil, claim.token, limit],
    );
    return rows.map((row) => ({
      id: row.page!,
      webhookId: row.webhook_id,
      token: row.token,
      deliveries: owedDeliveries(row, row.webhook_id, row.token),
    }));
  }

  /** Extends the lease of pages still held (same token) to `leaseUntil`; answers the ids renewed. */
  async renewPages(held: PageHeld[], leaseUntil: Date): Promise<string[]> {
    const pages = inIdOrder(held, (p) => p.id);
    const { rows } = await modify<{ id: string }>(
      this.dataSource,
      `WITH ${pagesHeld(HELD, 'UPDATE')}
       UPDATE webhook_pages p SET claimed_until = $3 FROM held WHERE p.id = held.id
       RETURNING p.id::text AS id`,
      [pages.map((p) => p.id), pages.map((p) => p.token), leaseUntil],
    );
    return rows.map((r) => r.id);
  }

  /** Gives back pages whose deliveries were not all sent (on shutdown): taken over at once. */
  async releasePages(held: PageHeld[]): Promise<void> {
    const pages = inIdOrder(held, (p) => p.id);
    await this.dataSource.query(
      `WITH ${pagesHeld(HELD, 'UPDATE')}
       UPDATE webhook_pages p SET claimed_until = '-infinity' FROM held WHERE p.id = held.id`,
      [pages.map((p) => p.id), pages.map((p) => p.token)],
    );
  }

  /** Forgets a page whose every delivery has its row. */
  async deletePage(page: PageHeld): Promise<void> {
    await this.dataSource.query('DELETE FROM webhook_pages WHERE id = $1 AND claim_token = $2', [
      page.id,
      page.token,
    ]);
  }

  /**
   * Gives a page's delivery its row (pending, under the page's claim) so an attempt's outcome
   * can be recorded on it like any other's; false when the page is no longer held under that
   * claim (its new holder sends the delivery). Locks the page until the transaction ends.
   */
  async materialize(db: Queryable, delivery: ClaimedDelivery): Promise<boolean> {
    const rows = await db.query<unknown[]>(
      `INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, claim_token)
       SELECT $1, p.webhook_id, (SELECT id FROM events WHERE id = $3), $4, p.claim_token
       FROM webhook_pages p WHERE p.id = $2 AND p.claim_token = $5
       FOR SHARE OF p
       RETURNING id`,
      [delivery.id, delivery.page, delivery.event_id, delivery.event_type, delivery.claim_token],
    );
    return rows.length > 0;
  }

  /**
   * Claims due deliveries with a lease (their next attempt moves to the lease's end, so a
   * crashed worker's claim comes due again by itself): per enabled webhook, up to
   * `perWebhook` minus what this worker already has in flight for it, `total` at most. SKIP
   * LOCKED lets workers on every instance claim side by side, each attempt once. The plan is an
   * index range scan per webhook, whatever the table's statistics say.
   *
   * `now`, a Date, stands for its whole millisecond: a delivery a reserve wrote moments
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

  /**
   * Records successful first attempts of pages' deliveries in one statement: each delivery's
   * row, delivered, and its log row (those whose page is still held under its claim).
   */
  async recordPageDelivered(attempts: Delivered[]): Promise<void> {
    const column = <T>(pick: (d: Delivered) => T) => attempts.map(pick);
    const pages = new Map(
      inIdOrder(attempts, (d) => d.delivery.page!).map((d) => [
        d.delivery.page!,
        d.delivery.claim_token,
      ]),
    );
    await this.dataSource.query(RECORD_PAGE_DELIVERED, [
      column((d) => d.delivery.id),
      column((d) => d.delivery.webhook_id),
      column((d) => d.delivery.event_type),
      column((d) => d.delivery.event_id),
      column((d) => d.at),
      column((d) => d.statusCode),
      column((d) => d.durationMs),
      column((d) => d.responseBody),
      column((d) => d.delivery.page),
      [...pages.keys()],
      [...pages.values()],
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
    // What its pages still owed fails too, each delivery with a row saying why.
    await db.query(
      `WITH pages AS (
         DELETE FROM webhook_pages WHERE webhook_id = $1 RETURNING event_ids, delivery_ids, event_types
       )
       INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, status, last_error)
       SELECT u.delivery_id, $1, e.id, u.event_type, 'failed', $2
       FROM pages CROSS JOIN LATERAL unnest(event_ids, delivery_ids, event_types) AS u(event_id, delivery_id, event_type)
       LEFT JOIN events e ON e.id = u.event_id
       ON CONFLICT (id) DO NOTHING`,
      [webhookId, `webhook disabled: ${reason}`],
    );
  }

  /**
   * What is owed, on every instance: pending rows (found through the claim index; few unless
   * receivers are down), pages' deliveries without a row yet, and the events past enabled
   * webhooks' cursors that they subscribe to. A delivery not yet attempted has been due since
   * its event.
   */
  async backlog(): Promise<WebhookBacklog> {
    const [row] = await this.dataSource.query<WebhookBacklog[]>(
      `WITH owed AS (
         SELECT created_at, next_attempt_at AS due FROM webhook_deliveries WHERE status = 'pending'
         UNION ALL
         SELECT e.created_at, e.created_at FROM webhook_pages p
         CROSS JOIN LATERAL unnest(p.event_ids, p.delivery_ids) AS u(event_id, delivery_id)
         JOIN events e ON e.id = u.event_id
         WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.id = u.delivery_id)
         UNION ALL
         SELECT e.created_at, e.created_at FROM webhook_cursors c
         JOIN webhooks w ON w.id = c.webhook_id AND w.enabled
         CROSS JOIN LATERAL (
           SELECT created_at FROM events
           WHERE (xid, id) > (c.xid, c.event_id) AND type = ANY (w.events) AND created_at >= c.since
         ) e
       )
       SELECT count(*)::int AS "pending",
              coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS "oldestPendingSeconds",
              greatest(coalesce(extract(epoch FROM now() - min(due)), 0), 0)::float8 AS "dueLagSeconds"
       FROM owed`,
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
