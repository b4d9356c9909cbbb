import { Module } from '@nestjs/common';
import { Clock } from './clock';
import { DeliveryOutcomes } from './delivery-outcomes';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhookRetention } from './webhook-retention';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

@Module({
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookDeliveryWorker, DeliveryOutcomes, WebhookRetention, Clock],
})
export class WebhooksModule {}
