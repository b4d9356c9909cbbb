import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { RuntimeConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { WEBHOOK_EVENTS, type WebhookEventType } from '../events/event-types';
import { placeholderHost, refusedAddress } from './address-policy';
import type {
  CreatedWebhookDto,
  CreateWebhookDto,
  DeliveryResultDto,
  UpdateWebhookDto,
  WebhookAttemptDto,
  WebhookDto,
} from './dto/webhook.dto';
import { WebhookDeliveryWorker, type AttemptOutcome } from './webhook-delivery.worker';
import { TEST_PAYLOADS } from './test-payloads';
import { deliveryBody } from './webhook-signing';
import { WebhooksRepository } from './webhooks.repository';

@Injectable()
export class WebhooksService {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly worker: WebhookDeliveryWorker,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  list(): Promise<WebhookDto[]> {
    return this.webhooks.list();
  }

  async get(id: number): Promise<WebhookDto> {
    const webhook = await this.webhooks.get(id);
    if (!webhook) throw new NotFoundException(`Webhook ${id} not found`);
    return webhook;
  }

  async create(dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    this.checkUrl(dto.url);
    const generated =
      dto.secret === undefined ? `whsec_${randomBytes(24).toString('base64')}` : undefined;
    const webhook = await this.webhooks.create({
      name: dto.name,
      url: dto.url,
      secret: dto.secret ?? generated!,
      events: dto.events,
    });
    await this.worker.webhooksChanged();
    return generated ? { ...webhook, secret: generated } : webhook;
  }

  async update(id: number, dto: UpdateWebhookDto): Promise<WebhookDto> {
    if (dto.url !== undefined) this.checkUrl(dto.url);
    const webhook = await this.webhooks.update(id, {
      name: dto.name,
      url: dto.url,
      secret: dto.secret,
      events: dto.events,
      enabled: dto.enabled,
    });
    if (!webhook) throw new NotFoundException(`Webhook ${id} not found`);
    await this.worker.webhooksChanged();
    return webhook;
  }

  async remove(id: number): Promise<void> {
    if (!(await this.webhooks.remove(id))) throw new NotFoundException(`Webhook ${id} not found`);
    await this.worker.webhooksChanged();
  }

  async logs(id: number, limit: number): Promise<WebhookAttemptDto[]> {
    await this.get(id);
    return this.webhooks.logs(id, limit);
  }

  /**
   * Sends a test of the first event the webhook subscribes to right away (one attempt, logged
   * like any other), marked as a test in its body and headers so a bot does not act on it.
   */
  async sendTest(id: number): Promise<DeliveryResultDto> {
    const webhook = await this.get(id);
    const type =
      webhook.events.find((event): event is WebhookEventType =>
        (WEBHOOK_EVENTS as string[]).includes(event),
      ) ??
      // Only a webhook stored before its events were checked could subscribe to none.
      'game.added';
    const body = deliveryBody(type, new Date(), TEST_PAYLOADS[type], { test: true });
    const claim = this.worker.newClaim();
    const delivery = await this.webhooks.insertTestDelivery(id, type, body, claim);
    return this.report(
      delivery.id,
      await this.worker.sendClaimed(delivery, claim),
      'Test webhook sent',
    );
  }

  /**
   * Sends a delivery that is not delivered again, now: one more attempt for a failed one, the
   * next of its schedule for a pending one.
   */
  async retry(webhookId: number, deliveryId: number): Promise<DeliveryResultDto> {
    await this.get(webhookId);
    const claim = this.worker.newClaim();
    const delivery = await this.webhooks.claimForRetry(webhookId, deliveryId, claim);
    if (!delivery) {
      const status = await this.webhooks.deliveryStatus(webhookId, deliveryId);
      if (!status) {
        throw new NotFoundException(`Delivery ${deliveryId} of webhook ${webhookId} not found`);
      }
      throw new ConflictException(
        status === 'delivered'
          ? `Delivery ${deliveryId} was already delivered`
          : `Delivery ${deliveryId} is being sent right now`,
      );
    }
    return this.report(
      delivery.id,
      await this.worker.sendClaimed(delivery, claim),
      'Delivery sent again',
    );
  }

  private report(deliveryId: string, outcome: AttemptOutcome, message: string): DeliveryResultDto {
    return {
      message,
      delivery_id: Number(deliveryId),
      success: outcome.success,
      status_code: outcome.statusCode,
      error: outcome.error,
    };
  }

  /** Refuses literal addresses webhooks may never reach; hostnames are checked when connecting. */
  private checkUrl(url: string): void {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      // The DTO's URL check lets through a few that URL parsers refuse (http://xn--zz/).
      throw new BadRequestException('url must be an http or https URL');
    }
    // Every admin reads the URL back, and deliveries are authenticated by their signature.
    if (parsed.username || parsed.password) {
      throw new BadRequestException(
        'url must not contain a user name or password (user:password@host); receivers verify deliveries by their signature',
      );
    }
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (placeholderHost(host)) {
      throw new BadRequestException(
        `url refused: ${host} is a reserved example name that never receives anything; use your bot's address`,
      );
    }
    if (!isIP(host)) return;
    const refused = refusedAddress(host, host, this.config.webhooks);
    if (refused) throw new BadRequestException(`url refused: ${refused}`);
  }
}
