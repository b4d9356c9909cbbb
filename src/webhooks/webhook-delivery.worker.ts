import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { RuntimeConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { modify } from '../database/sql';
import { Clock } from './clock';
import { DISABLE_AFTER_FAILING_MS, parseRetryAfter, retryDelay } from './retry-schedule';
import { WebhookSender, type SendResult } from './webhook-sender';
import { deliveryHeaders } from './webhook-signing';

/** What one attempt came to; `unsendable` when there is nothing left to send. */
type AttemptResult = SendResult & { unsendable?: boolean };

interface ClaimedDelivery {
  id: string;
  webhook_id: number;
  event_id: string | null;
  event_type: string;
  body: string | null;
  attempts: number;
  max_attempts: number;
  is_test: boolean;
  claim_token: string;
}

export interface AttemptOutcome {
  deliveryId: number;
  success: boolean;
  statusCode: number | null;
  error: string | null;
}

const CLAIM_COLUMNS =
  'd.id, d.webhook_id, d.event_id, d.event_type, d.body, d.attempts, d.max_attempts, d.is_test, d.claim_token';

/**
 * Sends webhook deliveries. Rows are claimed with FOR UPDATE SKIP LOCKED and a lease, so with
 * several instances each attempt happens once and a crashed worker's claim expires; at most
 * one delivery per webhook is in flight, so a slow or dead receiver holds up only itself.
 * New events wake it at once; a poll picks up retries that come due.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliveryWorker.name);
  private readonly sender: WebhookSender;
  private readonly inFlight = new Set<Promise<unknown>>();
  private poller?: NodeJS.Timeout;
  private filling = false;
  private refill = false;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {
    this.sender = new WebhookSender(config.webhooks, config.webhooks.timeoutMs);
  }

  onApplicationBootstrap(): void {
    this.poller = setInterval(() => this.kick(), this.config.webhooks.pollMs);
    this.poller.unref();
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poller);
    // Let sends in flight finish (each is bounded by the timeout); an unfinished one is
    // retried by whoever claims it after its lease.
    await Promise.allSettled([...this.inFlight]);
    await this.sender.close();
  }

  @OnEvent('game.added')
  @OnEvent('session.started')
  @OnEvent('session.ended')
  @OnEvent('vote.received')
  kick(): void {
    void this.fill();
  }

  /** Claims due deliveries up to the free concurrency and starts sending them. */
  private async fill(): Promise<void> {
    if (this.stopped) return;
    if (this.filling) {
      this.refill = true;
      return;
    }
    this.filling = true;
    try {
      do {
        this.refill = false;
        const free = this.config.webhooks.concurrency - this.inFlight.size;
        if (free <= 0) break;
        const claimed = await this.claimDue(free);
        for (const delivery of claimed) this.track(this.attempt(delivery));
        if (claimed.length === free) this.refill = true;
      } while (this.refill && !this.stopped);
    } catch (error) {
      this.logger.error(`claiming webhook deliveries failed: ${(error as Error).message}`);
    } finally {
      this.filling = false;
    }
  }

  /** Claims one delivery by id and sends it now (test sends and manual retries). */
  async deliverNow(deliveryId: number): Promise<AttemptOutcome | undefined> {
    const [delivery] = await this.claim('d.id = $5', 1, [deliveryId]);
    if (!delivery) return undefined;
    const outcome = this.attempt(delivery);
    this.track(outcome);
    return outcome;
  }

  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      this.kick();
    });
  }

  private claimDue(limit: number): Promise<ClaimedDelivery[]> {
    // One candidate per enabled webhook that has nothing in flight.
    return this.claim(
      `d.id IN (
         SELECT DISTINCT ON (c.webhook_id) c.id
         FROM webhook_deliveries c JOIN webhooks w ON w.id = c.webhook_id AND w.enabled
         WHERE c.status = 'pending' AND c.next_attempt_at <= $1 AND (c.claimed_until IS NULL OR c.claimed_until < $1)
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o
                           WHERE o.webhook_id = c.webhook_id AND o.status = 'pending' AND o.claimed_until >= $1)
         ORDER BY c.webhook_id, c.next_attempt_at, c.id)`,
      limit,
    );
  }

  private async claim(
    where: string,
    limit: number,
    extra: unknown[] = [],
  ): Promise<ClaimedDelivery[]> {
    const now = this.clock.now();
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
       RETURNING ${CLAIM_COLUMNS}`,
      [now, limit, new Date(now.getTime() + this.config.webhooks.leaseMs), randomUUID(), ...extra],
    );
    return rows;
  }

  private async attempt(delivery: ClaimedDelivery): Promise<AttemptOutcome> {
    const id = Number(delivery.id);
    try {
      const [webhook] = await this.dataSource.query<{ url: string; secret: string }[]>(
        'SELECT url, secret FROM webhooks WHERE id = $1',
        [delivery.webhook_id],
      );
      const body = delivery.body ?? (await this.fixBody(delivery));
      const attemptedAt = this.clock.now();
      const result: AttemptResult =
        webhook && body
          ? await this.sender.send(
              webhook.url,
              deliveryHeaders({
                deliveryId: id,
                eventType: delivery.event_type,
                body,
                secret: webhook.secret,
                now: attemptedAt,
              }),
              body,
            )
          : {
              durationMs: 0,
              error: webhook ? 'the event is no longer stored' : 'the webhook was deleted',
              unsendable: true,
            };
      const success =
        result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
      const error = success ? null : (result.error ?? `receiver answered ${result.statusCode}`);
      await this.dataSource.transaction((manager) =>
        this.record(manager, delivery, attemptedAt, result, success, error),
      );
      if (!success)
        this.logger.warn(
          `webhook ${delivery.webhook_id} delivery ${id} attempt ${delivery.attempts} failed: ${error}`,
        );
      return { deliveryId: id, success, statusCode: result.statusCode ?? null, error };
    } catch (failure) {
      this.logger.error(
        `webhook delivery ${id} could not be processed: ${(failure as Error).message}`,
      );
      return { deliveryId: id, success: false, statusCode: null, error: 'internal error' };
    }
  }

  /** The body is made once, exactly as JSON.stringify writes it, and kept for every retry. */
  private async fixBody(delivery: ClaimedDelivery): Promise<string | undefined> {
    const [event] = await this.dataSource.query<
      { type: string; created_at: Date; payload: unknown }[]
    >('SELECT type, created_at, payload FROM events WHERE id = $1', [delivery.event_id]);
    if (!event) return undefined;
    const body = JSON.stringify({
      event: event.type,
      timestamp: event.created_at.toISOString(),
      data: event.payload,
    });
    await this.dataSource.query(
      'UPDATE webhook_deliveries SET body = $2 WHERE id = $1 AND body IS NULL',
      [delivery.id, body],
    );
    return body;
  }

  /** Logs the attempt and moves the delivery (and, on lasting failure, the webhook) on. */
  private async record(
    manager: EntityManager,
    d: ClaimedDelivery,
    at: Date,
    result: AttemptResult,
    success: boolean,
    error: string | null,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO webhook_attempts (delivery_id, webhook_id, event_type, attempt, attempted_at, status_code, duration_ms, success, error, response_body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        d.id,
        d.webhook_id,
        d.event_type,
        d.attempts,
        at,
        result.statusCode ?? null,
        result.durationMs,
        success,
        error,
        result.responseBody ?? null,
      ],
    );
    const mine = 'id = $1 AND claim_token = $2';
    if (success) {
      await manager.query(
        `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = $3, claimed_until = NULL, last_status_code = $4, last_error = NULL WHERE ${mine}`,
        [d.id, d.claim_token, at, result.statusCode],
      );
      await manager.query(
        'UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL',
        [d.webhook_id],
      );
      return;
    }
    if (result.unsendable) {
      // Nothing to send, ever again (the event outlived its retention): not the receiver's fault.
      await manager.query(
        `UPDATE webhook_deliveries SET status = 'failed', claimed_until = NULL, last_error = $3 WHERE ${mine}`,
        [d.id, d.claim_token, error],
      );
      return;
    }
    if (result.statusCode === 410 && !d.is_test) {
      await this.disable(manager, d.webhook_id, 'The receiver answered 410 Gone');
      return;
    }
    // A test send says nothing about the webhook's health.
    const failingSince = d.is_test ? undefined : await this.markFailing(manager, d.webhook_id, at);
    let delay = Math.max(retryDelay(d.attempts), parseRetryAfter(result.retryAfter, at) ?? 0);
    if (failingSince && d.attempts === d.max_attempts - 1) {
      // The last retry waits for the day mark, so a receiver that stays down is disabled by
      // this delivery's own final failure rather than by some later event's.
      delay = Math.max(delay, failingSince.getTime() + DISABLE_AFTER_FAILING_MS - at.getTime());
    }
    const givesUp = d.attempts >= d.max_attempts;
    await manager.query(
      `UPDATE webhook_deliveries SET status = $3, next_attempt_at = $4, claimed_until = NULL, last_status_code = $5, last_error = $6 WHERE ${mine}`,
      [
        d.id,
        d.claim_token,
        givesUp ? 'failed' : 'pending',
        new Date(at.getTime() + delay),
        result.statusCode ?? null,
        error,
      ],
    );
    if (failingSince && at.getTime() - failingSince.getTime() >= DISABLE_AFTER_FAILING_MS) {
      await this.disable(
        manager,
        d.webhook_id,
        `Deliveries kept failing for 24 hours (last error: ${error})`,
      );
    }
  }

  /** Notes that the webhook is failing; answers since when (undefined if it is gone). */
  private async markFailing(
    manager: EntityManager,
    webhookId: number,
    at: Date,
  ): Promise<Date | undefined> {
    const { rows } = await modify<{ failing_since: Date }>(
      manager,
      'UPDATE webhooks SET failing_since = coalesce(failing_since, $2) WHERE id = $1 RETURNING failing_since',
      [webhookId, at],
    );
    return rows[0]?.failing_since;
  }

  private async disable(manager: EntityManager, webhookId: number, reason: string): Promise<void> {
    this.logger.warn(`disabling webhook ${webhookId}: ${reason}`);
    await manager.query(
      'UPDATE webhooks SET enabled = false, disabled_reason = $2, updated_at = now() WHERE id = $1',
      [webhookId, reason],
    );
    await manager.query(
      `UPDATE webhook_deliveries SET status = 'failed', claimed_until = NULL, last_error = coalesce(last_error, $2) WHERE webhook_id = $1 AND status = 'pending'`,
      [webhookId, `webhook disabled: ${reason}`],
    );
  }
}
