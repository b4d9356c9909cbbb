import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Metrics } from '../metrics/metrics';
import {
  DISABLE_AFTER_FAILING_MS,
  MAX_ATTEMPTS,
  parseRetryAfter,
  retryDelay,
} from './retry-schedule';
import type { SendResult } from './webhook-sender';
import { WebhooksRepository, type ClaimedDelivery } from './webhooks.repository';

/** What one attempt came to; `unsendable` when there is nothing left to send. */
export type AttemptResult = SendResult & { unsendable?: boolean };

const hours = (ms: number) => `${ms / 3_600_000} hours`;

/**
 * The policy after an attempt: log it, then deliver, retry on the schedule, give up, or
 * disable the webhook (410 Gone, or failing for a day). Runs in the transaction that ends the
 * delivery's claim, so the log and the delivery's state never disagree.
 */
@Injectable()
export class DeliveryOutcomes {
  private readonly logger = new Logger(DeliveryOutcomes.name);

  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly metrics: Metrics,
  ) {}

  async record(
    manager: EntityManager,
    d: ClaimedDelivery,
    at: Date,
    result: AttemptResult,
    success: boolean,
    error: string | null,
  ): Promise<void> {
    const statusCode = result.statusCode ?? null;
    await this.webhooks.insertAttempt(manager, {
      deliveryId: d.id,
      webhookId: d.webhook_id,
      eventType: d.event_type,
      attempt: d.attempts,
      attemptedAt: at,
      statusCode,
      durationMs: result.durationMs,
      success,
      error,
      responseBody: result.responseBody ?? null,
    });
    const settle = (status: 'delivered' | 'failed' | 'pending', nextAttemptAt?: Date) =>
      this.webhooks.settle(manager, d, { status, at, statusCode, error, nextAttemptAt });
    if (success) {
      await settle('delivered');
      await this.webhooks.clearFailing(manager, d.webhook_id);
      this.metrics.webhookDelivery('delivered');
      return;
    }
    // Nothing to send, ever again (the event outlived its retention): not the receiver's fault.
    if (result.unsendable) {
      await settle('failed');
      this.metrics.webhookDelivery('unsendable');
      return;
    }
    if (statusCode === 410 && !d.is_test) {
      await settle('failed');
      this.metrics.webhookDelivery('gone');
      return this.disable(manager, d.webhook_id, 'gone', 'The receiver answered 410 Gone');
    }
    // A test send says nothing about the webhook's health.
    const failingSince = d.is_test
      ? undefined
      : await this.webhooks.markFailing(manager, d.webhook_id, at);
    const maxAttempts = d.max_attempts ?? MAX_ATTEMPTS;
    let delay = Math.max(retryDelay(d.attempts), parseRetryAfter(result.retryAfter, at) ?? 0);
    if (failingSince && d.attempts === maxAttempts - 1) {
      // The last retry waits for the day mark, so a receiver that stays down is disabled by
      // this delivery's own final failure rather than by some later event's.
      delay = Math.max(delay, failingSince.getTime() + DISABLE_AFTER_FAILING_MS - at.getTime());
    }
    const givesUp = d.attempts >= maxAttempts;
    await settle(givesUp ? 'failed' : 'pending', new Date(at.getTime() + delay));
    this.metrics.webhookDelivery(givesUp ? 'gave_up' : 'retrying');
    if (failingSince && at.getTime() - failingSince.getTime() >= DISABLE_AFTER_FAILING_MS) {
      await this.disable(
        manager,
        d.webhook_id,
        'failing',
        `Deliveries kept failing for ${hours(DISABLE_AFTER_FAILING_MS)} (last error: ${error})`,
      );
    }
  }

  private async disable(
    manager: EntityManager,
    webhookId: number,
    cause: 'gone' | 'failing',
    reason: string,
  ): Promise<void> {
    this.logger.warn(`disabling webhook ${webhookId}: ${reason}`);
    await this.webhooks.disable(manager, webhookId, reason);
    this.metrics.webhookDisabled(cause);
  }
}
