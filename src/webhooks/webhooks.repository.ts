import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { modify, type Queryable, SqlParams } from '../database/sql';
import type { WebhookAttemptDto, WebhookDto } from './dto/webhook.dto';

/** Every column but the secret, which no read ever returns. */
const PUBLIC_COLUMNS = 'id, name, url, events, enabled, disabled_reason, created_at, updated_at';

export interface ClaimedDelivery {
  id: string;
  webhook_id: number;
  event_id: string | null;
  event_type: string;
  body: string | null;
  attempts: number;
  /** Null: as many as the retry schedule allows. */
  max_attempts: number | null;
  is_test: boolean;
  claim_token: string;
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

export type WebhookChanges = Partial<
  Pick<WebhookDto, 'name' | 'url' | 'events' | 'enabled'> & { secret: string }
>;

/**
 * Every statement on `webhooks`, `webhook_deliveries` and `webhook_attempts`.
 *
 * Delivery rows of events are not written here: the trigger `events_enqueue_webhook_deliveries`
 * (function `enqueue_webhook_deliveries()`, migration 1764220400000-CreateWebhooks) inserts
 * one per enabled webhook subscribed to the event's type, in the event's own transaction, so a
 * crash between a commit and its sends loses nothing. Test sends and manual retries are
 * written here.
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
    const { count } = await modify(this.dataSource, 'DELETE FROM webhooks WHERE id = $1', [id]);
    return count > 0;
  }

  /** Where and how to send: undefined once the webhook is deleted. */
  async target(id: number): Promise<{ url: string; secret: string } | undefined> {
    const [webhook] = await this.dataSource.query<{ url: string; secret: string }[]>(
      'SELECT url, secret FROM webhooks WHERE id = $1',
      [id],
    );
    return webhook;
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

  /** A one-attempt delivery of a ready-made body (a test send). */
  async insertTestDelivery(webhookId: number, eventType: string, body: string): Promise<number> {
    const [{ id }] = await this.dataSource.query<{ id: string }[]>(
      `INSERT INTO webhook_deliveries (webhook_id, event_type, body, max_attempts, is_test)
       VALUES ($1, $2, $3, 1, true) RETURNING id`,
      [webhookId, eventType, body],
    );
    return Number(id);
  }

  /**
   * Makes a delivery that is not delivered due now: one more attempt for a failed one, the next
   * of its schedule for a pending one. False when it is delivered, being sent, or not there.
   */
  async makeDueAgain(webhookId: number, deliveryId: number): Promise<boolean> {
    const { count } = await modify(
      this.dataSource,
      `UPDATE webhook_deliveries
       SET status = 'pending', next_attempt_at = now(),
           max_attempts = CASE WHEN status = 'pending' THEN max_attempts ELSE attempts + 1 END
       WHERE id = $1 AND webhook_id = $2 AND status <> 'delivered'
         AND (claimed_until IS NULL OR claimed_until < now())`,
      [deliveryId, webhookId],
    );
    return count > 0;
  }

  async deliveryStatus(webhookId: number, deliveryId: number): Promise<string | undefined> {
    const [row] = await this.dataSource.query<{ status: string }[]>(
      'SELECT status FROM webhook_deliveries WHERE id = $1 AND webhook_id = $2',
      [deliveryId, webhookId],
    );
    return row?.status;
  }

  /**
   * Claims due deliveries with a lease: at most one per enabled webhook that has nothing in
   * flight, so a slow receiver holds up only itself. SKIP LOCKED lets workers on every
   * instance claim side by side, each attempt once.
   */
  claimDue(now: Date, leaseUntil: Date, token: string, limit: number): Promise<ClaimedDelivery[]> {
    return this.claim(
      `d.id IN (
         SELECT DISTINCT ON (c.webhook_id) c.id
         FROM webhook_deliveries c JOIN webhooks w ON w.id = c.webhook_id AND w.enabled
         WHERE c.status = 'pending' AND c.next_attempt_at <= $1 AND (c.claimed_until IS NULL OR c.claimed_until < $1)
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o
                           WHERE o.webhook_id = c.webhook_id AND o.status = 'pending' AND o.claimed_until >= $1)
         ORDER BY c.webhook_id, c.next_attempt_at, c.id)`,
      [now, limit, leaseUntil, token],
    );
  }

  /** Claims one delivery by id, due or not (test sends and manual retries). */
  claimOne(id: number, now: Date, leaseUntil: Date, token: string): Promise<ClaimedDelivery[]> {
    return this.claim('d.id = $5', [now, 1, leaseUntil, token, id]);
  }

  private async claim(where: string, params: unknown[]): Promise<ClaimedDelivery[]> {
    const { rows } = await modify<ClaimedDelivery>(
      this.dataSource,
      `WITH locked AS (
         SELECT d.id FROM webhook_deliveries d
         WHERE ${where} AND d.status = 'pending' AND (d.claimed_until IS NULL OR d.claimed_until < $1)
         ORDER BY d.next_attempt_at, d.id LIMIT $2
         FOR UPDATE SKIP LOCKED
       )
       UPDATE webhook_deliveries d SET claimed_until = $3, claim_token = $4, attempts = d.attempts + 1
       FROM locked WHERE d.id = locked.id
       RETURNING d.id, d.webhook_id, d.event_id, d.event_type, d.body, d.attempts, d.max_attempts, d.is_test, d.claim_token`,
      params,
    );
    return rows;
  }

  /** Keeps the body made at the first attempt, so every retry sends (and signs) the same bytes. */
  async keepBody(deliveryId: string, body: string): Promise<void> {
    await this.dataSource.query(
      'UPDATE webhook_deliveries SET body = $2 WHERE id = $1 AND body IS NULL',
      [deliveryId, body],
    );
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
           next_attempt_at = coalesce($7, next_attempt_at)
       WHERE id = $1 AND claim_token = $2`,
      [
        delivery.id,
        delivery.claim_token,
        outcome.status,
        outcome.statusCode,
        outcome.error,
        outcome.at,
        outcome.nextAttemptAt ?? null,
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

  /** Deletes finished deliveries (and their attempts) older than `hours`; pending ones are owed. */
  async deleteFinishedOlderThan(hours: number): Promise<number> {
    const { count } = await modify(
      this.dataSource,
      `DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < now() - make_interval(hours => $1)`,
      [hours],
    );
    return count;
  }
}
