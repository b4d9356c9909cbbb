import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { DataSource } from 'typeorm';
import type { RuntimeConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { modify } from '../database/sql';
import { refusedAddress } from './address-policy';
import type {
  CreatedWebhookDto,
  CreateWebhookDto,
  DeliveryResultDto,
  UpdateWebhookDto,
  WebhookAttemptDto,
  WebhookDto,
} from './dto/webhook.dto';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';

/** Every column but the secret, which no read ever returns. */
const PUBLIC_COLUMNS = 'id, name, url, events, enabled, disabled_reason, created_at, updated_at';

/** What `POST /api/webhooks/test/:id` sends: a `game.added` shaped like the guide's example. */
const TEST_EVENT = {
  session: { id: 0, is_active: true, games_played: 0 },
  game: {
    id: 0,
    title: 'Test Game',
    pack_name: 'Test Pack',
    min_players: 2,
    max_players: 8,
    manually_added: false,
    room_code: null,
  },
};

@Injectable()
export class WebhooksService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly worker: WebhookDeliveryWorker,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  list(): Promise<WebhookDto[]> {
    return this.dataSource.query(`SELECT ${PUBLIC_COLUMNS} FROM webhooks ORDER BY id`);
  }

  async get(id: number): Promise<WebhookDto> {
    const [webhook] = await this.dataSource.query<WebhookDto[]>(
      `SELECT ${PUBLIC_COLUMNS} FROM webhooks WHERE id = $1`,
      [id],
    );
    if (!webhook) throw new NotFoundException(`Webhook ${id} not found`);
    return webhook;
  }

  async create(dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    this.checkUrl(dto.url);
    const generated =
      dto.secret === undefined ? `whsec_${randomBytes(24).toString('base64')}` : undefined;
    const [webhook] = await this.dataSource.query<WebhookDto[]>(
      `INSERT INTO webhooks (name, url, secret, events) VALUES ($1, $2, $3, $4) RETURNING ${PUBLIC_COLUMNS}`,
      [dto.name, dto.url, dto.secret ?? generated, dto.events],
    );
    return generated ? { ...webhook, secret: generated } : webhook;
  }

  async update(id: number, dto: UpdateWebhookDto): Promise<WebhookDto> {
    if (dto.url !== undefined) this.checkUrl(dto.url);
    const sets: string[] = [];
    const params: unknown[] = [id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (dto.name !== undefined) set('name', dto.name);
    if (dto.url !== undefined) set('url', dto.url);
    if (dto.secret !== undefined) set('secret', dto.secret);
    if (dto.events !== undefined) set('events', dto.events);
    if (dto.enabled !== undefined) set('enabled', dto.enabled);
    // Enabling again gives the webhook a fresh start.
    if (dto.enabled === true) sets.push('disabled_reason = NULL', 'failing_since = NULL');
    if (sets.length === 0) return this.get(id);
    const { rows } = await modify<WebhookDto>(
      this.dataSource,
      `UPDATE webhooks SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING ${PUBLIC_COLUMNS}`,
      params,
    );
    if (!rows[0]) throw new NotFoundException(`Webhook ${id} not found`);
    return rows[0];
  }

  async remove(id: number): Promise<void> {
    const { count } = await modify(this.dataSource, 'DELETE FROM webhooks WHERE id = $1', [id]);
    if (count === 0) throw new NotFoundException(`Webhook ${id} not found`);
  }

  async logs(id: number, limit: number): Promise<WebhookAttemptDto[]> {
    await this.get(id);
    return this.dataSource.query(
      `SELECT a.id::int AS id, a.delivery_id::int AS delivery_id, a.event_type AS event, a.attempt, a.attempted_at, a.status_code,
              a.duration_ms, a.success, a.error, a.response_body, d.status AS delivery_status
       FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
       WHERE a.webhook_id = $1 ORDER BY a.id DESC LIMIT $2`,
      [id, limit],
    );
  }

  /** Sends a test `game.added` right away (one attempt, logged like any other). */
  async sendTest(id: number): Promise<DeliveryResultDto> {
    await this.get(id);
    const body = JSON.stringify({
      event: 'game.added',
      timestamp: new Date().toISOString(),
      data: TEST_EVENT,
    });
    const [{ id: deliveryId }] = await this.dataSource.query<{ id: string }[]>(
      `INSERT INTO webhook_deliveries (webhook_id, event_type, body, max_attempts, is_test) VALUES ($1, 'game.added', $2, 1, true) RETURNING id`,
      [id, body],
    );
    return this.sendNow(Number(deliveryId), 'Test webhook sent');
  }

  /**
   * Sends a delivery that is not delivered again, now: one more attempt for a failed one, the
   * next of its schedule for a pending one.
   */
  async retry(webhookId: number, deliveryId: number): Promise<DeliveryResultDto> {
    await this.get(webhookId);
    const { count } = await modify(
      this.dataSource,
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), max_attempts = CASE WHEN status = 'pending' THEN max_attempts ELSE attempts + 1 END
       WHERE id = $1 AND webhook_id = $2 AND status <> 'delivered' AND (claimed_until IS NULL OR claimed_until < now())`,
      [deliveryId, webhookId],
    );
    if (count === 0) {
      const [existing] = await this.dataSource.query<{ status: string }[]>(
        'SELECT status FROM webhook_deliveries WHERE id = $1 AND webhook_id = $2',
        [deliveryId, webhookId],
      );
      if (!existing)
        throw new NotFoundException(`Delivery ${deliveryId} of webhook ${webhookId} not found`);
      throw new ConflictException(
        existing.status === 'delivered'
          ? `Delivery ${deliveryId} was already delivered`
          : `Delivery ${deliveryId} is being sent right now`,
      );
    }
    return this.sendNow(deliveryId, 'Delivery sent again');
  }

  private async sendNow(deliveryId: number, message: string): Promise<DeliveryResultDto> {
    const outcome = await this.worker.deliverNow(deliveryId);
    if (!outcome) throw new ConflictException(`Delivery ${deliveryId} is being sent right now`);
    return {
      message,
      delivery_id: deliveryId,
      success: outcome.success,
      status_code: outcome.statusCode,
      error: outcome.error,
    };
  }

  /** Refuses literal addresses webhooks may never reach; hostnames are checked when connecting. */
  private checkUrl(url: string): void {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (!isIP(host)) return;
    const refused = refusedAddress(host, host, this.config.webhooks);
    if (refused) throw new BadRequestException(`url refused: ${refused}`);
  }
}
