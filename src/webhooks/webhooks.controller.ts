import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../auth/jwt-auth.guard';
import { ErrorResponseDto } from '../common/error-body';
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

@ApiTags('webhooks')
@AdminOnly()
@ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Invalid parameter or body' })
@Controller('api/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @ApiOperation({ summary: 'List webhooks (secrets are never shown)' })
  @ApiOkResponse({ type: [WebhookDto] })
  listWebhooks(): Promise<WebhookDto[]> {
    return this.webhooks.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook, with the reason if it was disabled automatically' })
  @ApiOkResponse({ type: WebhookDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  getWebhook(@Param('id', IdPipe) id: number): Promise<WebhookDto> {
    return this.webhooks.get(id);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a webhook',
    description: `Events: ${WEBHOOK_EVENTS.join(', ')}. Without a secret one is generated and returned in this response only.`,
  })
  @ApiCreatedResponse({ type: CreatedWebhookDto })
  createWebhook(@Body() dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    return this.webhooks.create(dto);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change any field; `enabled: true` also clears an automatic disable' })
  @ApiOkResponse({ type: WebhookDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  updateWebhook(
    @Param('id', IdPipe) id: number,
    @Body() dto: UpdateWebhookDto,
  ): Promise<WebhookDto> {
    return this.webhooks.update(id, dto);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a webhook with its deliveries and logs' })
  @ApiOkResponse({ type: SuccessDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async deleteWebhook(@Param('id', IdPipe) id: number): Promise<SuccessDto> {
    await this.webhooks.remove(id);
    return { success: true, message: `Webhook ${id} deleted` };
  }

  @Post('test/:id')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a test event now and report how it went',
    description:
      'Sends the first event type the webhook subscribes to, with a sample payload, marked as a test: `"test": true` in the body and the header `X-Webhook-Test: true`.',
  })
  @ApiOkResponse({ type: DeliveryResultDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  testWebhook(@Param('id', IdPipe) id: number): Promise<DeliveryResultDto> {
    return this.webhooks.sendTest(id);
  }

  @Get(':id/logs')
  @ApiOperation({ summary: 'Recent delivery attempts, newest first' })
  @ApiOkResponse({ type: [WebhookAttemptDto] })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  getWebhookLogs(
    @Param('id', IdPipe) id: number,
    @Query() query: WebhookLogsQuery,
  ): Promise<WebhookAttemptDto[]> {
    return this.webhooks.logs(id, query.limit ?? 50);
  }

  @Post(':id/deliveries/:deliveryId/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a failed delivery again, now' })
  @ApiOkResponse({ type: DeliveryResultDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Already delivered, or being sent' })
  retryWebhookDelivery(
    @Param('id', IdPipe) id: number,
    @Param('deliveryId', new IdPipe('deliveryId')) deliveryId: number,
  ): Promise<DeliveryResultDto> {
    return this.webhooks.retry(id, deliveryId);
  }
}
