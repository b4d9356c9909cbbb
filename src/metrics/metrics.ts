import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { EVENT_TYPES, type EventType } from '../events/event-types';
import type { SendResult } from '../webhooks/webhook-sender';
import { VotesRepository } from '../votes/votes.repository';
import { WebhooksRepository, type WebhookBacklog } from '../webhooks/webhooks.repository';
import { FastHistogram } from './fast-histogram';

/** Why a live vote was refused. */
export type VoteRefusal =
  | 'duplicate'
  | 'no_active_session'
  | 'no_game_yet'
  | 'unknown_ticker'
  | 'before_first_game'
  | 'invalid'
  | 'unauthorized';
const VOTE_REFUSALS: VoteRefusal[] = [
  'duplicate',
  'no_active_session',
  'no_game_yet',
  'unknown_ticker',
  'before_first_game',
  'invalid',
  'unauthorized',
];

/** Why a poll vote was refused. */
export type PollVoteRefusal =
  'no_session' | 'session_closed' | 'no_poll' | 'bad_option' | 'invalid' | 'unauthorized';
const POLL_VOTE_REFUSALS: PollVoteRefusal[] = [
  'no_session',
  'session_closed',
  'no_poll',
  'bad_option',
  'invalid',
  'unauthorized',
];

/** Why the server closed a WebSocket (a client's own close is not counted). */
export type SocketDrop =
  | 'heartbeat'
  | 'auth_timeout'
  | 'token_expired'
  | 'rate_limited'
  | 'slow_reader'
  | 'replay_overflow';
const SOCKET_DROPS: SocketDrop[] = [
  'heartbeat',
  'auth_timeout',
  'token_expired',
  'rate_limited',
  'slow_reader',
  'replay_overflow',
];

/** Where a webhook delivery stands after an attempt. */
export type DeliveryOutcome = 'delivered' | 'retrying' | 'gave_up' | 'gone' | 'unsendable';
const DELIVERY_OUTCOMES: DeliveryOutcome[] = [
  'delivered',
  'retrying',
  'gave_up',
  'gone',
  'unsendable',
];

/** How the relay learned of another instance's event. */
export type RelaySource = 'notify' | 'look_back';

/** The route label of a request no route matched (the raw URL would be unbounded). */
export const UNMATCHED_ROUTE = 'unmatched';

export interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  max: number;
}

/** What the metrics read from the live hub at scrape time. */
export interface LiveGauges {
  connections(): number;
  subscriptions(): number;
}

type Observe = (seconds: number) => void;

/**
 * The process's Prometheus instruments, in a registry of its own (several apps in one process,
 * as in the tests, each count their own). Hot paths call the methods below: each is a lookup
 * of a labelled series made once, and an add. Gauges of state kept elsewhere (pools, the
 * webhook backlog, sockets) are read when /metrics is scraped, so they cost nothing between
 * scrapes.
 */
@Injectable()
export class Metrics {
  private readonly logger = new Logger(Metrics.name);
  readonly registry = new Registry();

  private readonly requestDuration: FastHistogram;
  /** Observe functions of requestDuration's series, by route, method and status. */
  private readonly requestSeries = new Map<string, Map<string, Map<number, Observe>>>();
  private readonly votesRecorded: Increments<'live' | 'chat_import' | 'poll'>;
  private readonly voteRefusals: Increments<VoteRefusal>;
  private readonly pollVoteRefusals: Increments<PollVoteRefusal>;
  private readonly socketDrops: Increments<SocketDrop>;
  private readonly published: Increments<EventType>;
  private readonly relayLag: Record<RelaySource, Observe>;
  private readonly deliveries: Increments<DeliveryOutcome>;
  /** Observe functions of the send-duration series, by result class ('2xx', 'error', ...). */
  private readonly sendDuration: (result: string) => Observe;
  private readonly webhooksDisabled: Counter<'reason'>;
  private live?: LiveGauges;
  private relayListening?: () => boolean;
  private roomMonitors?: () => number;
  private backlogRead?: Promise<WebhookBacklog | undefined>;

  constructor(dataSource: DataSource, votes: VotesRepository, webhooks: WebhooksRepository) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    /** A gauge read when scraped. */
    const gauge = (name: string, help: string, read: () => number | Promise<number>) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set(await read());
        },
      });

    this.requestDuration = new FastHistogram(
      'jackbox_http_request_duration_seconds',
      'HTTP requests by method, route pattern and status code, with the time to answer them.',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      this.registry,
    );

    this.votesRecorded = counter(
      'jackbox_votes_recorded_total',
      'Votes recorded, by source (live, chat_import, poll: poll votes and changes of mind).',
      'source',
      ['live', 'chat_import', 'poll'],
      registers,
    );
    this.voteRefusals = counter(
      'jackbox_votes_refused_total',
      'Live votes refused, by reason.',
      'reason',
      VOTE_REFUSALS,
      registers,
    );
    this.pollVoteRefusals = counter(
      'jackbox_poll_votes_refused_total',
      'Poll votes refused, by reason.',
      'reason',
      POLL_VOTE_REFUSALS,
      registers,
    );

    gauge('jackbox_ws_connections', 'Open WebSocket connections.', () =>
      this.live ? this.live.connections() : 0,
    );
    gauge('jackbox_ws_subscriptions', 'Session subscriptions of open WebSocket connections.', () =>
      this.live ? this.live.subscriptions() : 0,
    );
    this.socketDrops = counter(
      'jackbox_ws_drops_total',
      'WebSocket connections the server closed, by reason.',
      'reason',
      SOCKET_DROPS,
      registers,
    );

    this.published = counter(
      'jackbox_events_published_total',
      'Events committed by this instance, by type.',
      'type',
      EVENT_TYPES,
      registers,
    );
    const relayLag = new Histogram({
      name: 'jackbox_event_relay_lag_seconds',
      help:
        "Events of other instances put on this instance's bus, by how the relay learned of them " +
        '(notify, look_back), with the time from their transaction to here.',
      labelNames: ['source'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    const notify = relayLag.labels('notify');
    const lookBack = relayLag.labels('look_back');
    this.relayLag = {
      notify: (seconds) => notify.observe(seconds),
      look_back: (seconds) => lookBack.observe(seconds),
    };
    gauge(
      'jackbox_event_relay_listening',
      "1 while the relay's LISTEN connection is up, else 0.",
      () => (this.relayListening?.() ? 1 : 0),
    );
    gauge('jackbox_room_monitors', 'Jackbox rooms this instance watches now.', () =>
      this.roomMonitors ? this.roomMonitors() : 0,
    );
    this.deliveries = counter(
      'jackbox_webhook_deliveries_total',
      'Webhook delivery attempts by outcome: delivered, retrying (failed, tried again later), ' +
        'gave_up (failed for good), gone (410: the webhook was disabled), unsendable.',
      'outcome',
      DELIVERY_OUTCOMES,
      registers,
    );
    // Observed on every send, so a FastHistogram; a series appears with its first send.
    const sendDuration = new FastHistogram(
      'jackbox_webhook_send_duration_seconds',
      'Webhook sends by result (2xx, 3xx, 4xx, 5xx, error: no answer), with their duration.',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      this.registry,
    );
    const sendSeries = new Map<string, Observe>();
    this.sendDuration = (result) => {
      let observe = sendSeries.get(result);
      if (!observe) sendSeries.set(result, (observe = sendDuration.child({ result })));
      return observe;
    };
    this.webhooksDisabled = new Counter({
      name: 'jackbox_webhooks_disabled_total',
      help: 'Webhooks disabled by the delivery worker, by reason (gone: 410, failing: for a day).',
      labelNames: ['reason'],
      registers,
    });
    // Read before the backlog query below takes a connection.
    const pools: Record<string, () => PoolStats | undefined> = {
      main: () => poolStats((dataSource.driver as { master?: PgPool }).master),
      votes: () => votes.poolStats(),
    };
    const pool = (name: string, help: string, pick: (stats: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['pool'],
        registers,
        collect() {
          for (const [label, read] of Object.entries(pools)) {
            const stats = read();
            if (stats) this.set({ pool: label }, pick(stats));
          }
        },
      });
    pool(
      'jackbox_db_pool_connections',
      'Open connections of a database pool (main, votes).',
      (s) => s.totalCount,
    );
    pool(
      'jackbox_db_pool_idle_connections',
      'Idle connections of a database pool.',
      (s) => s.idleCount,
    );
    pool(
      'jackbox_db_pool_waiting_requests',
      'Queries waiting for a connection of a database pool.',
      (s) => s.waitingCount,
    );
    pool(
      'jackbox_db_pool_max_connections',
      'The most connections a database pool opens.',
      (s) => s.max,
    );

    // One query for all the backlog gauges of a scrape, which are collected side by side.
    const backlog = (name: string, help: string, pick: (backlog: WebhookBacklog) => number) =>
      gauge(name, help, async () => {
        this.backlogRead ??= this.readBacklog(webhooks).finally(() => {
          this.backlogRead = undefined;
        });
        const read = await this.backlogRead;
        // NaN, not a stale or made-up number, when the database could not say.
        return read ? pick(read) : NaN;
      });
    backlog(
      'jackbox_webhook_pending_deliveries',
      'Webhook deliveries owed (pending), on every instance.',
      (b) => b.pending,
    );
    backlog(
      'jackbox_webhook_oldest_pending_age_seconds',
      'Age of the oldest pending webhook delivery (0 when none).',
      (b) => b.oldestPendingSeconds,
    );
    backlog(
      'jackbox_webhook_due_lag_seconds',
      'How long the longest-waiting due webhook delivery has been due (0 when none).',
      (b) => b.dueLagSeconds,
    );
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition, in Prometheus text format. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  /** A request answered; `route` is the matched route's pattern, undefined when none matched. */
  httpRequest(method: string, route: string | undefined, status: number, ms: number): void {
    const pattern = route ?? UNMATCHED_ROUTE;
    let byMethod = this.requestSeries.get(pattern);
    if (!byMethod) {
      byMethod = new Map<string, Map<number, Observe>>();
      this.requestSeries.set(pattern, byMethod);
    }
    let byStatus = byMethod.get(method);
    if (!byStatus) {
      byStatus = new Map<number, Observe>();
      byMethod.set(method, byStatus);
    }
    let observe = byStatus.get(status);
    if (!observe) {
      observe = this.requestDuration.child({ method, route: pattern, status_code: String(status) });
      byStatus.set(status, observe);
    }
    observe(ms / 1000);
  }

  voteRecorded(): void {
    this.votesRecorded.get('live')!(1);
  }

  votesImported(count: number): void {
    this.votesRecorded.get('chat_import')!(count);
  }

  voteRefused(reason: VoteRefusal): void {
    this.voteRefusals.get(reason)!(1);
  }

  pollVoteRecorded(): void {
    this.votesRecorded.get('poll')!(1);
  }

  pollVoteRefused(reason: PollVoteRefusal): void {
    this.pollVoteRefusals.get(reason)!(1);
  }

  /** The live hub says how to count its connections and subscriptions. */
  trackLive(live: LiveGauges): void {
    this.live = live;
  }

  socketDropped(reason: SocketDrop): void {
    this.socketDrops.get(reason)!(1);
  }

  eventPublished(type: EventType): void {
    this.published.get(type)?.(1);
  }

  /** Another instance's event reached this instance's bus. */
  eventRelayed(source: RelaySource, createdAt: Date): void {
    this.relayLag[source](Math.max(0, Date.now() - createdAt.getTime()) / 1000);
  }

  trackRelay(listening: () => boolean): void {
    this.relayListening = listening;
  }

  trackRooms(monitors: () => number): void {
    this.roomMonitors = monitors;
  }

  /** One webhook send (any attempt), by its result. */
  webhookSent(result: SendResult): void {
    const code = result.statusCode;
    const label = code === undefined ? 'error' : `${Math.floor(code / 100)}xx`;
    this.sendDuration(label)(result.durationMs / 1000);
  }

  webhookDelivery(outcome: DeliveryOutcome): void {
    this.deliveries.get(outcome)!(1);
  }

  webhookDisabled(reason: 'gone' | 'failing'): void {
    this.webhooksDisabled.inc({ reason });
  }

  private async readBacklog(webhooks: WebhooksRepository): Promise<WebhookBacklog | undefined> {
    try {
      return await webhooks.backlog();
    } catch (error) {
      this.logger.warn(`could not read the webhook backlog: ${(error as Error).message}`);
      return undefined;
    }
  }
}

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options: { max?: number };
}

function poolStats(pool: PgPool | undefined): PoolStats | undefined {
  if (!pool) return undefined;
  const { totalCount, idleCount, waitingCount } = pool;
  return { totalCount, idleCount, waitingCount, max: pool.options.max ?? 10 };
}

/** Adds to one series of a counter, by label value. */
type Increments<L extends string> = Map<L, (n: number) => void>;

/**
 * A counter with one label, whose series (one per value, all from the first scrape) are added to
 * as plain numbers and handed to prom-client when scraped: its labelled increment costs about
 * 180 ns (it hashes the labels), this a few.
 */
function counter<L extends string>(
  name: string,
  help: string,
  label: string,
  values: readonly L[],
  registers: Registry[],
): Increments<L> {
  const pending = values.map((value) => ({ value, n: 0 }));
  new Counter({
    name,
    help,
    labelNames: [label],
    registers,
    collect() {
      for (const slot of pending) {
        this.inc({ [label]: slot.value }, slot.n);
        slot.n = 0;
      }
    },
  });
  return new Map(pending.map((slot) => [slot.value, (n: number) => void (slot.n += n)]));
}
