import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../auth/jwt-auth.guard';
import { ApiErrors, badId, MISSING_ID, type ErrorDoc } from '../openapi/api-errors';
import { WEBHOOK_EVENTS } from '../events/event-types';
import { IdPipe } from '../common/id.pipe';
import { SuccessDto } from '../sessions/dto/session.dto';
import {
  CreatedWebhookDto,
  CreateWebhookDto,
  DeliveryResultDto,
  UpdateWebhookDto,
  WebhookAttemptDto,
  WebhookDto,
  WebhookLogsQuery,
} from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

const WEBHOOK_ID = ApiParam({
  name: 'id',
  description: 'The webhook id (GET /api/webhooks).',
  example: 1,
});
const WEBHOOK_ERRORS: Record<number, ErrorDoc> = {
  400: { description: 'The id is not a positive integer', examples: badId() },
  404: {
    description: 'No webhook has this id',
    examples: { noWebhook: `Webhook ${MISSING_ID} not found` },
  },
};
const PLACEHOLDER_URL = 'https://bot.example.invalid/webhooks/jackbox';

@ApiTags('webhooks')
@AdminOnly()
@Controller('api/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @ApiOperation({
    summary: 'List webhooks (secrets are never shown)',
    description: 'Every webhook, enabled or not, with the reason of an automatic disable.',
  })
  @ApiOkResponse({ type: [WebhookDto], description: 'The webhooks.' })
  listWebhooks(): Promise<WebhookDto[]> {
    return this.webhooks.list();
  }

  @Get(':id')
  @WEBHOOK_ID
  @ApiOperation({
    summary: 'One webhook',
    description: 'With the reason if it was disabled automatically; never its secret.',
  })
  @ApiOkResponse({ type: WebhookDto, description: 'The webhook.' })
  @ApiErrors(WEBHOOK_ERRORS)
  getWebhook(@Param('id', IdPipe) id: number): Promise<WebhookDto> {
    return this.webhooks.get(id);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a webhook',
    description: `Events: ${WEBHOOK_EVENTS.join(', ')}. Without a secret one is generated and returned in this response only.`,
  })
  @ApiBody({
    type: CreateWebhookDto,
    description:
      "The receiver's address and the events it wants. The example's address is a reserved name: " +
      "it is refused, put your bot's address there.",
    examples: {
      gameAdded: {
        summary: 'game.added to a bot',
        value: { name: 'Chat bot', url: PLACEHOLDER_URL, events: ['game.added'] },
      },
    },
  })
  @ApiCreatedResponse({
    type: CreatedWebhookDto,
    description: 'The webhook, with its secret if one was generated.',
  })
  @ApiErrors({
    400: {
      description: 'A bad field, or a URL the server will not send to',
      examples: {
        placeholderUrl:
          "url refused: bot.example.invalid is a reserved example name that never receives anything; use your bot's address",
      },
    },
  })
  createWebhook(@Body() dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    return this.webhooks.create(dto);
  }

  @Patch(':id')
  @WEBHOOK_ID
  @ApiOperation({
    summary: 'Change a webhook',
    description: 'Any subset of its fields; `enabled: true` also clears an automatic disable.',
  })
  @ApiBody({
    type: UpdateWebhookDto,
    description: 'The fields to change.',
    examples: { enable: { summary: 'Enable it again', value: { enabled: true } } },
  })
  @ApiOkResponse({ type: WebhookDto, description: 'The webhook after the change.' })
  @ApiErrors({
    ...WEBHOOK_ERRORS,
    400: {
      description: 'A bad id or field',
      examples: { badEnabled: 'enabled must be a boolean value' },
    },
  })
  updateWebhook(
    @Param('id', IdPipe) id: number,
    @Body() dto: UpdateWebhookDto,
  ): Promise<WebhookDto> {
    return this.webhooks.update(id, dto);
  }

  @Delete(':id')
  @WEBHOOK_ID
  @ApiOperation({
    summary: 'Delete a webhook with its deliveries and logs',
    description: 'Nothing more is sent to it, including deliveries still pending.',
  })
  @ApiOkResponse({ type: SuccessDto, description: 'The webhook is gone.' })
  @ApiErrors(WEBHOOK_ERRORS)
  async deleteWebhook(@Param('id', IdPipe) id: number): Promise<SuccessDto> {
    await this.webhooks.remove(id);
    return { success: true, message: `Webhook ${id} deleted` };
  }

  @Post('test/:id')
  @HttpCode(200)
  @WEBHOOK_ID
  @ApiOperation({
    summary: 'Send a test event now and report how it went',
    description:
      'Sends the first event type the webhook subscribes to, with a sample payload, marked as a test: `"test": true` in the body and the header `X-Webhook-Test: true`. One signed delivery, sent at once; it shows in the logs like any other. Its outcome never disables the webhook.',
  })
  @ApiOkResponse({ type: DeliveryResultDto, description: "The receiver's answer." })
  @ApiErrors(WEBHOOK_ERRORS)
  testWebhook(@Param('id', IdPipe) id: number): Promise<DeliveryResultDto> {
    return this.webhooks.sendTest(id);
  }

  @Get(':id/logs')
  @WEBHOOK_ID
  @ApiOperation({
    summary: 'Recent delivery attempts, newest first',
    description:
      'Each attempt with its status, duration and error; retry a failed delivery by its delivery_id.',
  })
  @ApiOkResponse({ type: [WebhookAttemptDto], description: 'The attempts.' })
  @ApiErrors({
    ...WEBHOOK_ERRORS,
    400: {
      description: 'A bad id, or a limit out of range',
      examples: { badLimit: 'limit must not be greater than 100' },
    },
  })
  getWebhookLogs(
    @Param('id', IdPipe) id: number,
    @Query() query: WebhookLogsQuery,
  ): Promise<WebhookAttemptDto[]> {
    return this.webhooks.logs(id, query.limit ?? 50);
  }

  @Post(':id/deliveries/:deliveryId/retry')
  @HttpCode(200)
  @WEBHOOK_ID
  @ApiParam({
    name: 'deliveryId',
    description: 'The delivery (`delivery_id` in the logs).',
    example: 1,
  })
  @ApiOperation({
    summary: 'Send a failed delivery again, now',
    description: 'One more attempt, outside its retry schedule.',
  })
  @ApiOkResponse({ type: DeliveryResultDto, description: "The receiver's answer." })
  @ApiErrors({
    400: { description: 'An id is not a positive integer', examples: badId('deliveryId') },
    404: {
      description: 'No such webhook, or no such delivery of it',
      examples: {
        noWebhook: `Webhook ${MISSING_ID} not found`,
        noDelivery: `Delivery ${MISSING_ID} of webhook 1 not found`,
      },
    },
    409: {
      description: 'Already delivered, or being sent right now',
      examples: { delivered: 'Delivery 1 was already delivered' },
    },
  })
  retryWebhookDelivery(
    @Param('id', IdPipe) id: number,
    @Param('deliveryId', new IdPipe('deliveryId')) deliveryId: number,
  ): Promise<DeliveryResultDto> {
    return this.webhooks.retry(id, deliveryId);
  }
}
