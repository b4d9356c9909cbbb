import { Module } from '@nestjs/common';
import { Clock } from './clock';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

@Module({
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookDeliveryWorker, Clock],
})
export class WebhooksModule {}
