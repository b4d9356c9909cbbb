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
import { isDatabaseUnavailable } from '../common/database-errors';
import { DatabaseAvailability } from '../database/database-availability';
import { EventBus } from '../events/event-bus';
import { comparePositions, type DomainEvent, type EventPosition } from '../events/event-types';
import { Metrics } from '../metrics/metrics';
import { Clock } from './clock';
import { DeliveryOutcomes, type AttemptResult } from './delivery-outcomes';
import { Cancel, WebhookSender } from './webhook-sender';
import { deliveryBody, deliveryHeaders } from './webhook-signing';
import {
  WebhooksRepository,
  type Claim,
  type ClaimedDelivery,
  type Delivered,
} from './webhooks.repository';

/** A claim this worker holds, and what to stop if its lease is lost. */
interface Held {
  delivery: ClaimedDelivery;
  leaseUntil: Date;
  /** Cuts the send short while it is under way. */
  abort?: Cancel;
  /** The claim went to another worker (or could not be renewed in time). */
  lost?: boolean;
}

export interface AttemptOutcome {
  deliveryId: number;
  success: boolean;
  statusCode: number | null;
  error: string | null;
}

/**
 * Work that asks for a look (new events, a finished send) is gathered for this long into one
 * dispatch and one claim: under a busy chat, one per event would double the database's work.
 */
const GATHER_MS = 10;
/** Webhook events remembered until a dispatch covers them. */
const MAX_UNDISPATCHED = 10_000;
/** Events read per dispatch statement. */
const DISPATCH_PAGE = 1_000;
/** How soon to dispatch again for an event heard of but not yet below the watermark. */
const DISPATCH_RETRY_MS = 20;
/**
 * Deliveries claimed ahead, per webhook, beyond those being sent: the claim is one statement
 * for many, so a webhook with a backlog never waits on the database between sends.
 */
const PREFETCH = 256;
/** Successful attempts are logged together, at most this many per statement... */
const RECORD_BATCH = 200;
/** ...and at most this long after the attempt. */
const RECORD_DELAY_MS = 5;
/** Successes sent but not yet logged, at most: past this, sends wait for the log to catch up. */
const MAX_UNRECORDED = RECORD_BATCH * 4;

/**
 * Delivers webhooks. On every webhook event (and every WEBHOOK_POLL_MS, for retries that come
 * due) it dispatches the new events into delivery rows, then claims due rows with a lease, a
 * batch per webhook ahead of the sends, and sends them: up to WEBHOOK_CONCURRENCY at once, and
 * up to WEBHOOK_CONCURRENCY_PER_WEBHOOK for any one webhook, so a slow receiver holds up only
 * its own deliveries. Deliveries to one
 * webhook may therefore arrive out of order; each carries its event's id and time.
 * Successful attempts are logged in batches; a failure goes through DeliveryOutcomes.
 *
 * A claim's lease is short (WEBHOOK_LEASE_MS) and renewed every third of it while the claim
 * is queued, sent or waiting to be logged here, so the claims of an instance that died come
 * due again within one lease. A send whose lease could not be renewed in time (the database is
 * away) is aborted rather than risk a second sender.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliveryWorker.name);
  private readonly sender: WebhookSender;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Claimed deliveries per webhook, waiting for a free send. */
  private readonly queued = new Map<number, ClaimedDelivery[]>();
  /** Every delivery queued, being sent or waiting to be logged here, with its claim's lease. */
  private readonly active = new Map<string, Held>();
  /** Attempts being sent per webhook. */
  private readonly sending = new Map<number, number>();
  private queuedCount = 0;
  /** Successes sent and waiting to be logged. */
  private unrecorded = 0;
  private renewer?: NodeJS.Timeout;
  private renewing = false;
  private renewFailing = false;
  /** The event types enabled webhooks subscribe to (undefined: not known, assume any). */
  private wanted?: Set<string>;
  /** Webhook events heard of that no dispatch has covered yet. */
  private readonly undispatched = new Map<number, EventPosition>();
  /** Successful attempts waiting to be logged together. */
  private batch?: {
    items: Delivered[];
    recorded: Promise<void>;
    settle: (error?: Error) => void;
  };
  private recordTimer?: NodeJS.Timeout;
  private recording: Promise<void> = Promise.resolve();
  private dispatchRetry?: NodeJS.Timeout;
  private gathering?: NodeJS.Timeout;
  private poller?: NodeJS.Timeout;
  private filling = false;
  private refill = false;
  /** The next fill dispatches even with nothing heard of (the poll's: other instances' events). */
  private dispatchDue = true;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly webhooks: WebhooksRepository,
    private readonly outcomes: DeliveryOutcomes,
    private readonly clock: Clock,
    bus: EventBus,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    private readonly metrics: Metrics,
    private readonly database: DatabaseAvailability,
  ) {
    this.sender = new WebhookSender(
      config.webhooks,
      config.webhooks.timeoutMs,
      config.webhooks.perWebhook,
      metrics,
    );
    bus.subscribe(
      (definition) => definition.webhook,
      (event) => this.heard(event),
    );
  }

  onApplicationBootstrap(): void {
    this.poller = setInterval(() => void this.poll(), this.config.webhooks.pollMs);
    this.poller.unref();
    this.renewer = setInterval(() => void this.renewLeases(), this.renewEveryMs);
    this.renewer.unref();
    void this.poll();
  }

  /** How often held claims are renewed: three times a lease, so one slow renewal costs nothing. */
  private get renewEveryMs(): number {
    return Math.max(100, Math.floor(this.config.webhooks.leaseMs / 3));
  }

  /**
   * Extends the lease of every claim held here. A claim the database no longer gives this
   * worker (its lease ran out and another worker took it) is dropped from the queue, and its
   * send, if one is under way, aborted; so is a send whose lease ends before a renewal succeeds.
   */
  private async renewLeases(): Promise<void> {
    if (this.renewing || this.stopped) return;
    this.renewing = true;
    try {
      const held = [...this.active.values()];
      if (held.length) {
        const { leaseUntil } = this.newClaim();
        const renewed = new Set(
          await this.webhooks.renew(
            held.map((h) => h.delivery),
            leaseUntil,
          ),
        );
        for (const entry of held) {
          if (renewed.has(entry.delivery.id)) entry.leaseUntil = leaseUntil;
          else if (this.active.get(entry.delivery.id) === entry) this.lose(entry);
        }
      }
      if (this.renewFailing) this.logger.log('renewing webhook claims works again');
      this.renewFailing = false;
    } catch (error) {
      if (!this.renewFailing) {
        this.database.taskFailed(this.logger, 'renewing webhook claims', error);
      }
      this.renewFailing = true;
    } finally {
      this.renewing = false;
    }
    const now = this.clock.now().getTime();
    for (const entry of this.active.values()) {
      if (entry.abort && entry.leaseUntil.getTime() <= now) this.lose(entry);
    }
  }

  /** Stops acting on a claim this worker no longer holds: its new holder sends it. */
  private lose(entry: Held): void {
    entry.lost = true;
    if (entry.abort) {
      entry.abort.abort(new Error('the claim on this delivery was lost'));
      return;
    }
    const list = this.queued.get(entry.delivery.webhook_id);
    const at = list?.indexOf(entry.delivery) ?? -1;
    if (list && at >= 0) {
      list.splice(at, 1);
      this.queuedCount--;
      this.active.delete(entry.delivery.id);
    }
  }

  /** Retries that came due, events another instance heard of, and what webhooks listen to. */
  private async poll(): Promise<void> {
    await this.webhooksChanged();
    this.dispatchDue = true;
    void this.fill();
  }

  /**
   * Learns which event types enabled webhooks subscribe to (the service calls it on every
   * change; the poll, for changes made on other instances), so an event no webhook wants costs
   * nothing here. Its deliveries could not exist anyway.
   */
  async webhooksChanged(): Promise<void> {
    try {
      this.wanted = new Set(await this.webhooks.subscribedTypes());
    } catch (error) {
      this.wanted = undefined;
      this.database.taskFailed(this.logger, "reading the webhooks' events", error);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poller);
    clearInterval(this.renewer);
    clearTimeout(this.dispatchRetry);
    clearTimeout(this.gathering);
    // Let sends in flight finish (each is bounded by the timeout) and log them; an unfinished
    // one comes due again when its lease ends.
    await Promise.allSettled([...this.inFlight]);
    await this.flushDelivered();
    const unsent = [...this.queued.values()].flat();
    this.queued.clear();
    if (unsent.length) {
      await this.webhooks
        .release(unsent)
        .catch((error: Error) =>
          this.database.taskFailed(this.logger, `giving back ${unsent.length} claims`, error),
        );
    }
    await this.sender.close();
  }

  private heard(event: DomainEvent): void {
    if (this.wanted && !this.wanted.has(event.type)) return;
    // Bounded: past this (the database is away), the poll's dispatch covers what is missed.
    if (this.undispatched.size < MAX_UNDISPATCHED) this.undispatched.set(event.id, event);
    this.kick();
  }

  /** Asks for a dispatch and a claim soon (gathered with other asks). */
  kick(): void {
    if (this.gathering || this.stopped) return;
    this.gathering = setTimeout(() => {
      this.gathering = undefined;
      void this.fill();
    }, GATHER_MS);
    this.gathering.unref();
  }

  /** Dispatches new events, then claims due deliveries up to the free concurrency and sends them. */
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
        // A fill that only tops up the queues (a send finished) has no new events to dispatch.
        if (this.dispatchDue || this.undispatched.size > 0) {
          this.dispatchDue = false;
          // One page, then a claim: a backlog's first sends need not wait for all its pages.
          if (await this.dispatch()) this.dispatchDue = this.refill = true;
        }
        const room = PREFETCH * 4 - this.queuedCount;
        if (room <= 0) break;
        const held = new Map<number, number>();
        for (const [webhook, list] of this.queued) held.set(webhook, list.length);
        for (const [webhook, n] of this.sending) held.set(webhook, (held.get(webhook) ?? 0) + n);
        const claim = this.newClaim();
        const claimed = await this.webhooks.claimDue(claim.now, claim.leaseUntil, claim.token, {
          perWebhook: PREFETCH,
          total: room,
          busy: held,
        });
        for (const delivery of claimed) {
          const mine = this.active.get(delivery.id);
          if (mine) {
            // Claimed again while queued or sent here (its lease ran out on the clock): keep the
            // one attempt, under the new claim, so its outcome is still recorded.
            mine.delivery.claim_token = delivery.claim_token;
            mine.leaseUntil = claim.leaseUntil;
            continue;
          }
          this.active.set(delivery.id, { delivery, leaseUntil: claim.leaseUntil });
          const list = this.queued.get(delivery.webhook_id) ?? [];
          list.push(delivery);
          this.queued.set(delivery.webhook_id, list);
          this.queuedCount++;
        }
        this.pump();
        if (claimed.length === room) this.refill = true;
      } while (this.refill && !this.stopped);
    } catch (error) {
      this.dispatchDue = true;
      this.database.taskFailed(this.logger, 'claiming webhook deliveries', error);
    } finally {
      this.filling = false;
    }
  }

  /**
   * Turns a page of the events committed since the last dispatch into deliveries; answers
   * whether the page was full (more may be waiting). An event heard of but not covered (above
   * the watermark, or another instance was dispatching) is tried again shortly, so its
   * deliveries never wait for the next poll.
   */
  private async dispatch(): Promise<boolean> {
    const { position, scanned } = await this.webhooks.dispatch(DISPATCH_PAGE);
    if (position) {
      for (const [id, heard] of this.undispatched) {
        if (comparePositions(heard, position) <= 0) this.undispatched.delete(id);
      }
    }
    if (scanned === DISPATCH_PAGE) return true;
    if (this.undispatched.size > 0 && !this.dispatchRetry && !this.stopped) {
      this.dispatchRetry = setTimeout(() => {
        this.dispatchRetry = undefined;
        this.kick();
      }, DISPATCH_RETRY_MS);
      this.dispatchRetry.unref();
    }
    return false;
  }

  /** A new claim: a lease from now, and a token. */
  newClaim(): Claim {
    const now = this.clock.now();
    return {
      now,
      leaseUntil: new Date(now.getTime() + this.config.webhooks.leaseMs),
      token: randomUUID(),
    };
  }

  /** Sends a delivery its caller claimed (test sends and manual retries) now; answers how it went. */
  sendClaimed(delivery: ClaimedDelivery, claim: Claim): Promise<AttemptOutcome> {
    this.active.set(delivery.id, { delivery, leaseUntil: claim.leaseUntil });
    const outcome = this.attempt(delivery, true);
    this.track(delivery, outcome);
    return outcome;
  }

  /**
   * Starts sends from the claimed queues: up to WEBHOOK_CONCURRENCY in all and
   * WEBHOOK_CONCURRENCY_PER_WEBHOOK per webhook. A queue running low asks for another claim.
   */
  private pump(): void {
    for (const [webhook, list] of this.queued) {
      while (
        list.length > 0 &&
        !this.stopped &&
        this.unrecorded < MAX_UNRECORDED &&
        this.inFlight.size < this.config.webhooks.concurrency &&
        (this.sending.get(webhook) ?? 0) < this.config.webhooks.perWebhook
      ) {
        const delivery = list.shift()!;
        this.queuedCount--;
        const lease = this.active.get(delivery.id)?.leaseUntil;
        if (!lease || lease.getTime() - this.clock.now().getTime() < this.renewEveryMs) {
          // Its lease was not renewed lately and may end mid-send: it comes due again by
          // itself, and a worker (this one or another) claims it afresh. Sending now could
          // send it twice.
          this.active.delete(delivery.id);
          continue;
        }
        this.track(delivery, this.attempt(delivery, false));
      }
      if (list.length === 0) this.queued.delete(webhook);
      // Running low: claim more now, not after the gathering delay, so a backlog never waits.
      if (list.length < PREFETCH / 2) void this.fill();
    }
  }

  private track(delivery: ClaimedDelivery, work: Promise<unknown>): void {
    const webhook = delivery.webhook_id;
    this.sending.set(webhook, (this.sending.get(webhook) ?? 0) + 1);
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      const left = (this.sending.get(webhook) ?? 1) - 1;
      if (left > 0) this.sending.set(webhook, left);
      else this.sending.delete(webhook);
      this.pump();
      if (!this.queued.size) this.kick();
    });
  }

  /**
   * Sends one delivery and records the outcome: a success in the next batch (or at once when
   * `immediate`, for a caller waiting on it), anything else through DeliveryOutcomes. The send
   * is done once the receiver has answered; a batched success stays held here until it is
   * logged, so its lease is still renewed.
   */
  private async attempt(delivery: ClaimedDelivery, immediate: boolean): Promise<AttemptOutcome> {
    const id = Number(delivery.id);
    const held = this.active.get(delivery.id);
    let logging = false;
    try {
      const body =
        delivery.body ??
        (delivery.event_created_at
          ? deliveryBody(delivery.event_type, delivery.event_created_at, delivery.event_payload)
          : undefined);
      const attemptedAt = this.clock.now();
      const abort = new Cancel();
      if (held) held.abort = abort;
      const result: AttemptResult =
        delivery.url && delivery.secret && body
          ? await this.sender.send(
              delivery.url,
              deliveryHeaders({
                deliveryId: id,
                eventType: delivery.event_type,
                body,
                secret: delivery.secret,
                now: attemptedAt,
                test: delivery.is_test,
              }),
              body,
              abort,
            )
          : {
              durationMs: 0,
              error: delivery.url ? 'the event is no longer stored' : 'the webhook was deleted',
              unsendable: true,
            };
      if (held) held.abort = undefined;
      if (held?.lost) {
        // The claim was lost mid-send: its new holder sends it and logs that attempt.
        this.logger.warn(`webhook delivery ${id}: send abandoned, its claim was lost`);
        return { deliveryId: id, success: false, statusCode: null, error: 'claim lost' };
      }
      const statusCode = result.statusCode ?? null;
      const success = statusCode !== null && statusCode >= 200 && statusCode < 300;
      const error = success ? null : (result.error ?? `receiver answered ${statusCode}`);
      if (success && !immediate && !delivery.failing) {
        logging = true;
        this.unrecorded++;
        void this.recordLater({
          delivery,
          at: attemptedAt,
          statusCode: statusCode,
          durationMs: result.durationMs,
          responseBody: result.responseBody ?? null,
        })
          // Counted once written down, so the counter never runs ahead of the backlog.
          .then(() => this.metrics.webhookDelivery('delivered'))
          .catch((failure: Error) =>
            this.database.taskFailed(this.logger, 'logging webhook deliveries', failure),
          )
          .finally(() => {
            this.unrecorded--;
            this.release(delivery, held);
            this.pump();
          });
      } else {
        await this.dataSource.transaction((manager) =>
          this.outcomes.record(manager, delivery, attemptedAt, result, success, error),
        );
      }
      if (!success) {
        this.logger.warn(
          `webhook ${delivery.webhook_id} delivery ${id} attempt ${delivery.attempts} failed: ${error}`,
        );
      }
      return { deliveryId: id, success, statusCode, error };
    } catch (failure) {
      // Its claim stays, and comes due again when the lease ends.
      if (isDatabaseUnavailable(failure)) this.database.failed(failure);
      else {
        this.logger.error(
          `webhook delivery ${id} could not be processed: ${(failure as Error).message}`,
        );
      }
      return { deliveryId: id, success: false, statusCode: null, error: 'internal error' };
    } finally {
      if (!logging) this.release(delivery, held);
    }
  }

  /** Forgets a claim once its attempt is over (unless it was claimed here again meanwhile). */
  private release(delivery: ClaimedDelivery, held: Held | undefined): void {
    if (this.active.get(delivery.id) === held) this.active.delete(delivery.id);
  }

  /** Queues a success for the next batch; settles once the batch is recorded. */
  private recordLater(done: Delivered): Promise<void> {
    if (!this.batch) {
      let settle!: (error?: Error) => void;
      const recorded = new Promise<void>((resolve, reject) => {
        settle = (error) => (error === undefined ? resolve() : reject(error));
      });
      this.batch = { items: [], recorded, settle };
      this.recordTimer = setTimeout(() => void this.flushDelivered(), RECORD_DELAY_MS);
    }
    const { items, recorded } = this.batch;
    items.push(done);
    if (items.length >= RECORD_BATCH) void this.flushDelivered();
    return recorded;
  }

  /** Records the open batch, after the one before it (one batch statement at a time). */
  private flushDelivered(): Promise<void> {
    clearTimeout(this.recordTimer);
    const batch = this.batch;
    this.batch = undefined;
    if (!batch) return this.recording;
    this.recording = this.recording.then(() =>
      this.webhooks.recordDelivered(batch.items).then(
        () => batch.settle(),
        (error: unknown) => batch.settle(error instanceof Error ? error : new Error(String(error))),
      ),
    );
    return this.recording;
  }
}
