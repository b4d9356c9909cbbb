import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { RuntimeConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { EventBus } from '../events/event-bus';
import { EventsRepository } from '../events/events.repository';
import { Clock } from './clock';
import { DeliveryOutcomes, type AttemptResult } from './delivery-outcomes';
import { WebhookSender } from './webhook-sender';
import { deliveryHeaders, deliveryBody } from './webhook-signing';
import { WebhooksRepository, type ClaimedDelivery } from './webhooks.repository';

export interface AttemptOutcome {
  deliveryId: number;
  success: boolean;
  statusCode: number | null;
  error: string | null;
}

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
    private readonly webhooks: WebhooksRepository,
    private readonly events: EventsRepository,
    private readonly outcomes: DeliveryOutcomes,
    private readonly clock: Clock,
    bus: EventBus,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {
    this.sender = new WebhookSender(config.webhooks, config.webhooks.timeoutMs);
    // New deliveries of webhook events are written in the event's transaction: look at once.
    bus.subscribe(
      (definition) => definition.webhook,
      () => this.kick(),
    );
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
    const now = this.clock.now();
    const [delivery] = await this.webhooks.claimOne(
      deliveryId,
      now,
      this.leaseEnd(now),
      randomUUID(),
    );
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
    const now = this.clock.now();
    return this.webhooks.claimDue(now, this.leaseEnd(now), randomUUID(), limit);
  }

  private leaseEnd(now: Date): Date {
    return new Date(now.getTime() + this.config.webhooks.leaseMs);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<AttemptOutcome> {
    const id = Number(delivery.id);
    try {
      const webhook = await this.webhooks.target(delivery.webhook_id);
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
        this.outcomes.record(manager, delivery, attemptedAt, result, success, error),
      );
      if (!success) {
        this.logger.warn(
          `webhook ${delivery.webhook_id} delivery ${id} attempt ${delivery.attempts} failed: ${error}`,
        );
      }
      return { deliveryId: id, success, statusCode: result.statusCode ?? null, error };
    } catch (failure) {
      this.logger.error(
        `webhook delivery ${id} could not be processed: ${(failure as Error).message}`,
      );
      return { deliveryId: id, success: false, statusCode: null, error: 'internal error' };
    }
  }

  /** The body is made once, from the event, and kept for every retry. */
  private async fixBody(delivery: ClaimedDelivery): Promise<string | undefined> {
    const event = delivery.event_id ? await this.events.byId(Number(delivery.event_id)) : undefined;
    if (!event) return undefined;
    const body = deliveryBody(event.type, event.createdAt, event.payload);
    await this.webhooks.keepBody(delivery.id, body);
    return body;
  }
}
