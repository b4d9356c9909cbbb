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
  type ReservedPage,
} from './webhooks.repository';

/** A page this worker holds: its lease, and how many of its deliveries have no row yet. */
interface HeldPage {
  id: string;
  token: string;
  leaseUntil: Date;
  owed: number;
}

/** A claim this worker holds, and what to stop if its lease is lost. */
interface Held {
  delivery: ClaimedDelivery;
  /** A claimed row's lease (a page's delivery has its page's). */
  leaseUntil: Date;
  page?: HeldPage;
  /** Cuts the send short while it is under way. */
  abort?: Cancel;
  /** The claim went to another worker (or could not be renewed in time). */
  lost?: boolean;
}

const leaseOf = (entry: Held): Date => entry.page?.leaseUntil ?? entry.leaseUntil;

export interface AttemptOutcome {
  deliveryId: number;
  success: boolean;
  statusCode: number | null;
  error: string | null;
}

/**
 * Work that asks for a look (new events, a finished send) within this long of the last look is
 * gathered into the next one, a reserve per webhook and a claim: under a busy chat, one per
 * event would double the database's work. The first ask after a quiet spell is looked at at
 * once.
 */
const GATHER_MS = 10;
/** Webhook events remembered until a reserve covers them. */
const MAX_UNRESERVED = 10_000;
/** Events read per reserve while a webhook is failing (they become pending rows). */
const FAILING_PAGE = 1_000;
/** How soon to reserve again for an event heard of but not yet below the watermark. */
const RESERVE_RETRY_MS = 20;
/**
 * Deliveries reserved or claimed ahead, per webhook, beyond those being sent: each is one
 * statement for many, so a webhook with a backlog never waits on the database between sends.
 */
const PREFETCH = 512;
/** Pages taken over per statement (from an instance that died). */
const TAKE_OVER_PAGES = 16;
/** Successful attempts are logged together, at most this many per statement... */
const RECORD_BATCH = 200;
/** ...and at most this long after the attempt. */
const RECORD_DELAY_MS = 20;
/** Successes sent but not yet logged, at most: past this, sends wait for the log to catch up. */
const MAX_UNRECORDED = RECORD_BATCH * 4;

/**
 * Delivers webhooks. On every webhook event (and every WEBHOOK_POLL_MS, for retries that come
 * due) it reserves, per webhook, a page of the new events it is owed, held with a lease, and
 * sends them before writing anything; then it claims due delivery rows (retries, a failing
 * webhook's deliveries, manual retries) with a lease as well. Sends run up to
 * WEBHOOK_CONCURRENCY at once, and up to WEBHOOK_CONCURRENCY_PER_WEBHOOK for any one webhook,
 * so a slow receiver holds up only its own deliveries. Deliveries to one webhook may therefore
 * arrive out of order; each carries its event's id and time.
 *
 * Successful attempts are logged in batches: a page's delivery gets its row, delivered, then,
 * so a delivery that succeeds the first time is written once. A failure goes through
 * DeliveryOutcomes (a page's delivery gets its row first, pending for its retry). A page is
 * deleted once each of its deliveries has its row.
 *
 * Leases (pages' and rows') are short (WEBHOOK_LEASE_MS) and renewed every third of one while
 * held here, so the work of an instance that died is taken up again within one lease: its
 * pages by another instance's poll, which sends again what has no row (under the same delivery
 * ids), its claimed rows as they come due. A send whose lease could not be renewed in time
 * (the database is away) is aborted rather than risk a second sender.
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
  /** Pages held here with deliveries still owed a row. */
  private readonly pages = new Map<string, HeldPage>();
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
  /** The enabled webhooks (undefined: not known yet, nothing is reserved). */
  private enabled?: number[];
  /** Webhook events heard of that no reserve has covered yet. */
  private readonly unreserved = new Map<number, EventPosition>();
  /** Successful attempts waiting to be logged together. */
  private batch?: {
    items: Delivered[];
    recorded: Promise<void>;
    settle: (error?: Error) => void;
  };
  private recordTimer?: NodeJS.Timeout;
  private recording: Promise<void> = Promise.resolve();
  private reserveRetry?: NodeJS.Timeout;
  private gathering?: NodeJS.Timeout;
  /** When the last fill began (performance.now()). */
  private lastLook = -Infinity;
  private poller?: NodeJS.Timeout;
  private filling = false;
  private refill = false;
  /** The next fill reserves even with nothing heard of (the poll's: other instances' events). */
  private reserveDue = true;
  /** The next fill takes over pages whose holder died (the poll's). */
  private takeOverDue = true;
  /**
   * The next fill claims due rows: on the poll (retries come due, other instances' leases
   * end), on new events, and after a claim that was full or a reserve that wrote rows. Not on
   * every send that finishes: a page's deliveries need no claim.
   */
  private claimDue = true;
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
      const held = [...this.active.values()].filter((entry) => !entry.page);
      const pages = [...this.pages.values()];
      const { leaseUntil } = this.newClaim();
      if (held.length) {
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
      if (pages.length) {
        const renewed = new Set(await this.webhooks.renewPages(pages, leaseUntil));
        for (const page of pages) {
          if (renewed.has(page.id)) page.leaseUntil = leaseUntil;
          else this.losePage(page);
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
      if (entry.abort && leaseOf(entry).getTime() <= now) this.lose(entry);
    }
  }

  /**
   * Stops renewing a page: its lease ends and another poll (maybe this instance's) takes it
   * over, sending again what has no row. For a page that may otherwise never be done here (a
   * delivery dropped, or its outcome not written).
   */
  private abandon(page: HeldPage): void {
    if (this.pages.get(page.id) === page) this.pages.delete(page.id);
  }

  /** Stops acting on a page this worker no longer holds, and on its deliveries. */
  private losePage(page: HeldPage): void {
    this.abandon(page);
    for (const entry of [...this.active.values()]) if (entry.page === page) this.lose(entry);
  }

  /** One more of a page's deliveries has its row; the page is deleted when none is owed. */
  private settled(page: HeldPage | undefined): void {
    if (!page || --page.owed > 0 || this.pages.get(page.id) !== page) return;
    this.pages.delete(page.id);
    this.webhooks
      .deletePage(page)
      // Left, it is taken over when its lease ends, found to owe nothing, and deleted then.
      .catch((error: Error) => this.database.taskFailed(this.logger, 'deleting a page', error));
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
    this.reserveDue = this.takeOverDue = this.claimDue = true;
    void this.fill();
  }

  /**
   * Learns which event types enabled webhooks subscribe to (the service calls it on every
   * change; the poll, for changes made on other instances), so an event no webhook wants costs
   * nothing here. Its deliveries could not exist anyway.
   */
  async webhooksChanged(): Promise<void> {
    try {
      const webhooks = await this.webhooks.enabledSubscriptions();
      this.wanted = new Set(webhooks.flatMap((w) => w.events));
      this.enabled = webhooks.map((w) => w.id);
    } catch (error) {
      this.wanted = undefined;
      this.database.taskFailed(this.logger, "reading the webhooks' events", error);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poller);
    clearInterval(this.renewer);
    clearTimeout(this.reserveRetry);
    clearTimeout(this.gathering);
    // Let sends in flight finish (each is bounded by the timeout) and log them; an unfinished
    // one comes due again when its lease ends.
    await Promise.allSettled([...this.inFlight]);
    await this.flushDelivered();
    const unsent = [...this.queued.values()].flat().filter((delivery) => !delivery.page);
    this.queued.clear();
    // Every page still held owes something that was not sent (or whose outcome was not written).
    const pages = [...this.pages.values()];
    this.pages.clear();
    await Promise.all([
      unsent.length && this.webhooks.release(unsent),
      pages.length && this.webhooks.releasePages(pages),
    ]).catch((error: Error) =>
      this.database.taskFailed(
        this.logger,
        `giving back ${unsent.length} claims and ${pages.length} pages`,
        error,
      ),
    );
    await this.sender.close();
  }

  private heard(event: DomainEvent): void {
    if (this.wanted && !this.wanted.has(event.type)) return;
    // Bounded: past this (the database is away), the poll's reserves cover what is missed.
    if (this.unreserved.size < MAX_UNRESERVED) this.unreserved.set(event.id, event);
    this.kick();
  }

  /** Asks for reserves and a claim soon (gathered with other asks). */
  kick(): void {
    this.claimDue = true;
    if (this.gathering || this.stopped) return;
    const wait = Math.max(0, this.lastLook + GATHER_MS - performance.now());
    this.gathering = setTimeout(() => {
      this.gathering = undefined;
      void this.fill();
    }, wait);
    this.gathering.unref();
  }

  /**
   * Takes over dead instances' pages (on the poll), reserves pages of new events, then claims
   * due delivery rows, each up to the free room, and sends them.
   */
  private async fill(): Promise<void> {
    if (this.stopped) return;
    if (this.filling) {
      this.refill = true;
      return;
    }
    this.filling = true;
    this.lastLook = performance.now();
    try {
      do {
        this.refill = false;
        // Whether this round asked the database anything: a round that did not has nothing new
        // to act on, whatever the sends it started asked for meanwhile.
        let asked = false;
        if (this.takeOverDue) {
          this.takeOverDue = false;
          asked = true;
          await this.takeOver();
        }
        // A fill that only tops up the queues (a send finished) has no new events to reserve.
        if (this.reserveDue || this.unreserved.size > 0) {
          asked = true;
          // One page per webhook, then a claim: a backlog's first sends need not wait for all.
          const { more, skipped } = await this.reserve();
          if (more) this.refill = true;
          // A webhook with no room is read again by the fill its sends ask for as they finish.
          this.reserveDue = more || skipped;
        }
        const room = PREFETCH * 4 - this.queuedCount;
        if (this.claimDue && room > 0) {
          asked = true;
          this.claimDue = false;
          await this.claimRows(room);
        }
        this.pump();
        if (!asked) break;
      } while (this.refill && !this.stopped);
    } catch (error) {
      this.reserveDue = this.claimDue = true;
      this.database.taskFailed(this.logger, 'claiming webhook deliveries', error);
    } finally {
      this.filling = false;
    }
  }

  /** Claims up to `room` due delivery rows and queues them. */
  private async claimRows(room: number): Promise<void> {
    const claim = this.newClaim();
    const claimed = await this.webhooks.claimDue(claim.now, claim.leaseUntil, claim.token, {
      perWebhook: PREFETCH,
      total: room,
      busy: this.heldPerWebhook(),
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
      this.enqueue(delivery);
    }
    if (claimed.length === room) this.claimDue = this.refill = true;
  }

  /** Deliveries queued or being sent here, per webhook. */
  private heldPerWebhook(): Map<number, number> {
    const held = new Map<number, number>();
    for (const [webhook, list] of this.queued) held.set(webhook, list.length);
    for (const [webhook, n] of this.sending) held.set(webhook, (held.get(webhook) ?? 0) + n);
    return held;
  }

  private enqueue(delivery: ClaimedDelivery): void {
    const list = this.queued.get(delivery.webhook_id) ?? [];
    list.push(delivery);
    this.queued.set(delivery.webhook_id, list);
    this.queuedCount++;
  }

  /** Holds a page reserved or taken over here, and queues what it owes. */
  private hold(page: ReservedPage, leaseUntil: Date): void {
    const held: HeldPage = {
      id: page.id,
      token: page.token,
      leaseUntil,
      owed: page.deliveries.length,
    };
    this.pages.set(page.id, held);
    for (const delivery of page.deliveries) {
      const mine = this.active.get(delivery.id);
      if (mine) {
        // Taken over from this very worker (its lease ran out on the clock) while queued or
        // sent here: the one attempt goes on, under the new lease.
        mine.delivery.claim_token = page.token;
        mine.page = held;
        continue;
      }
      this.active.set(delivery.id, { delivery, leaseUntil, page: held });
      this.enqueue(delivery);
    }
  }

  /** Takes over the pages of instances that died (or gave them back on shutdown). */
  private async takeOver(): Promise<void> {
    for (;;) {
      const claim = this.newClaim();
      const pages = await this.webhooks.takeOverPages(claim, TAKE_OVER_PAGES);
      for (const page of pages) {
        if (page.deliveries.length) this.hold(page, claim.leaseUntil);
        else await this.webhooks.deletePage(page);
      }
      if (pages.length < TAKE_OVER_PAGES) return;
    }
  }

  /**
   * Reserves a page of the events committed since the last reserve for each enabled webhook
   * with room; answers whether a page was full (`more` may be waiting) and whether a webhook
   * had no room (`skipped`). An event heard of but not covered (above the watermark, or
   * another instance was reading a webhook's cursor) is tried again shortly, so its deliveries
   * never wait for the next poll.
   */
  private async reserve(): Promise<{ more: boolean; skipped: boolean }> {
    const held = this.heldPerWebhook();
    let total = PREFETCH * 4 - this.queuedCount;
    let more = false;
    let skipped = false;
    let blocked = false;
    let covered: EventPosition | undefined;
    for (const webhookId of this.enabled ?? []) {
      const busy = held.get(webhookId) ?? 0;
      const room = Math.min(PREFETCH - busy, total);
      // A page costs a few statements whatever its size: a webhook with work in hand waits
      // until it has room for a good one.
      if (room <= 0 || (busy > 0 && room < PREFETCH / 4)) {
        skipped = true;
        continue;
      }
      const claim = this.newClaim();
      const result = await this.webhooks.reserve(webhookId, room, FAILING_PAGE, claim);
      if (!result.reserved) {
        blocked = true;
        continue;
      }
      if (result.scanned >= room) more = true;
      // A failing webhook's events became rows: claimed in this fill, on the retry schedule.
      if (result.waiting) this.claimDue = true;
      if (result.position && (!covered || comparePositions(result.position, covered) < 0)) {
        covered = result.position;
      }
      if (result.page) {
        this.hold(result.page, claim.leaseUntil);
        total -= result.page.deliveries.length;
      }
    }
    if (this.enabled && !covered && !blocked) this.unreserved.clear();
    if (covered) {
      for (const [id, heard] of this.unreserved) {
        if (comparePositions(heard, covered) <= 0) this.unreserved.delete(id);
      }
    }
    if (this.unreserved.size > 0 && !more && !this.reserveRetry && !this.stopped) {
      this.reserveRetry = setTimeout(() => {
        this.reserveRetry = undefined;
        this.kick();
      }, RESERVE_RETRY_MS);
      this.reserveRetry.unref();
    }
    return { more, skipped };
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
        const entry = this.active.get(delivery.id);
        if (!entry || leaseOf(entry).getTime() - this.clock.now().getTime() < this.renewEveryMs) {
          // Its lease was not renewed lately and may end mid-send: it comes due again by
          // itself (its page is taken over), and a worker, this one or another, claims it
          // afresh. Sending now could send it twice.
          this.active.delete(delivery.id);
          if (entry?.page) this.abandon(entry.page);
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
        (delivery.event_time
          ? deliveryBody(delivery.event_type, delivery.event_time, delivery.event_payload)
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
          .then(() => {
            // Counted once written down, so the counter never runs ahead of the backlog.
            this.metrics.webhookDelivery('delivered');
            this.settled(held?.page);
          })
          .catch((failure: Error) => {
            if (held?.page) this.abandon(held.page);
            this.database.taskFailed(this.logger, 'logging webhook deliveries', failure);
          })
          .finally(() => {
            this.unrecorded--;
            this.release(delivery, held);
            this.pump();
          });
      } else {
        const recorded = await this.dataSource.transaction(async (manager) => {
          // A page's delivery gets its row first; none when the page is no longer held here.
          if (delivery.page && !(await this.webhooks.materialize(manager, delivery))) return false;
          await this.outcomes.record(manager, delivery, attemptedAt, result, success, error);
          return true;
        });
        if (recorded) this.settled(held?.page);
      }
      if (!success) {
        this.logger.warn(
          `webhook ${delivery.webhook_id} delivery ${id} attempt ${delivery.attempts} failed: ${error}`,
        );
      }
      return { deliveryId: id, success, statusCode, error };
    } catch (failure) {
      // Its claim stays, and comes due again when the lease ends (its page's, abandoned).
      if (held?.page) this.abandon(held.page);
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
    const rows = batch.items.filter((item) => !item.delivery.page);
    const pages = batch.items.filter((item) => item.delivery.page);
    this.recording = this.recording.then(async () => {
      try {
        if (rows.length) await this.webhooks.recordDelivered(rows);
        if (pages.length) await this.webhooks.recordPageDelivered(pages);
        batch.settle();
      } catch (error) {
        batch.settle(error instanceof Error ? error : new Error(String(error)));
      }
    });
    return this.recording;
  }
}
