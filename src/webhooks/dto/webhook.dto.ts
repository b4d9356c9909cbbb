import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Max,
  Min,
} from 'class-validator';
import { QueryInteger, Trim } from '../../common/query-transforms';
import { IsOptionalNotNull } from '../../common/validators';

import { WEBHOOK_EVENTS, type EventType } from '../../events/event-types';

export class CreateWebhookDto {
  @ApiProperty({ description: 'A name for people.', example: 'Kosmi Bot' })
  @Trim()
  @Length(1, 100)
  @IsString()
  name!: string;

  @ApiProperty({
    description: "The bot's HTTP(S) address that receives the events (POST, signed).",
    example: 'https://bot.example.invalid/webhooks/jackbox',
  })
  @IsUrl(
    {
      protocols: ['http', 'https'],
      require_protocol: true,
      require_tld: false,
      require_valid_protocol: true,
    },
    { message: 'url must be an http or https URL' },
  )
  @Length(1, 2000)
  @IsString()
  url!: string;

  @ApiPropertyOptional({
    example: 'your_shared_secret_key',
    description:
      'Signs every delivery. Omit it to have one generated (returned once, in this response only).',
  })
  @IsOptionalNotNull()
  @Length(8, 200)
  @IsString()
  secret?: string;

  @ApiProperty({
    description: 'The event types to receive.',
    example: ['game.added'],
    enum: WEBHOOK_EVENTS,
    isArray: true,
  })
  @IsIn(WEBHOOK_EVENTS, {
    each: true,
    message: `events must each be one of ${WEBHOOK_EVENTS.join(', ')}`,
  })
  @ArrayUnique()
  @ArrayMaxSize(WEBHOOK_EVENTS.length)
  @ArrayMinSize(1)
  @IsArray()
  events!: EventType[];
}

export class UpdateWebhookDto extends PartialType(CreateWebhookDto, { skipNullProperties: false }) {
  @ApiPropertyOptional({
    example: false,
    description: 'Enabling again clears the reason it was disabled.',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;
}

export class WebhookDto {
  @ApiProperty({ description: 'The webhook id.', example: 1 })
  id!: number;

  @ApiProperty({ description: 'A name for people.', example: 'Kosmi Bot' })
  name!: string;

  @ApiProperty({
    description: 'Where the events are sent.',
    example: 'https://bot.example.invalid/webhooks/jackbox',
  })
  url!: string;

  @ApiProperty({
    description: 'The event types it receives.',
    example: ['game.added'],
    enum: WEBHOOK_EVENTS,
    isArray: true,
  })
  events!: string[];

  @ApiProperty({ description: 'Whether deliveries are sent.', example: true })
  enabled!: boolean;

  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: 'Why it was disabled automatically (410 Gone, or failing for a day).',
  })
  disabled_reason!: string | null;

  @ApiProperty({ description: 'When it was created.', example: '2026-11-27T20:00:00.000Z' })
  created_at!: Date;

  @ApiProperty({ description: 'When it last changed.', example: '2026-11-27T20:00:00.000Z' })
  updated_at!: Date;
}

export class CreatedWebhookDto extends WebhookDto {
  @ApiPropertyOptional({
    example: 'whsec_3b1f...',
    description: 'Only when it was generated; never shown again.',
  })
  secret?: string;
}

export class WebhookLogsQuery {
  @ApiPropertyOptional({
    description: 'Attempts to show, at most 100 (default 50).',
    default: 50,
    maximum: 100,
  })
  @IsOptional()
  @QueryInteger()
  @Max(100)
  @Min(1)
  @IsInt()
  limit?: number;
}

export class WebhookAttemptDto {
  @ApiProperty({ description: 'The attempt id.', example: 77 })
  id!: number;

  @ApiProperty({
    example: 12,
    description: 'The delivery (one event to this webhook); retry it by this id.',
  })
  delivery_id!: number;

  @ApiProperty({ description: 'The event type delivered.', example: 'game.added' })
  event!: string;

  @ApiProperty({ description: '1 for the first try, then 2, 3...', example: 1 })
  attempt!: number;

  @ApiProperty({ description: 'When the attempt started.', example: '2026-11-27T20:00:00.000Z' })
  attempted_at!: Date;

  @ApiProperty({
    description: 'The HTTP status the receiver answered; null when it did not answer.',
    example: 200,
    nullable: true,
    type: Number,
  })
  status_code!: number | null;

  @ApiProperty({ description: 'How long the attempt took.', example: 34 })
  duration_ms!: number;

  @ApiProperty({ description: 'Whether the receiver answered 2xx.', example: true })
  success!: boolean;

  @ApiProperty({
    description: 'Why the attempt failed, or null.',
    example: null,
    nullable: true,
    type: String,
  })
  error!: string | null;

  @ApiProperty({
    example: 'OK',
    nullable: true,
    type: String,
    description:
      'At most 1 KB of the response body, read as UTF-8 (bytes that are not text, and NUL, as U+FFFD).',
  })
  response_body!: string | null;

  @ApiProperty({
    enum: ['pending', 'delivered', 'failed'],
    description: 'Where the delivery stands now.',
  })
  delivery_status!: string;
}

export class DeliveryResultDto {
  @ApiProperty({ description: 'What was sent, in words.', example: 'Test webhook sent' })
  message!: string;

  @ApiProperty({ description: 'The delivery, as in the logs.', example: 12 })
  delivery_id!: number;

  @ApiProperty({ description: 'Whether the receiver answered 2xx.', example: true })
  success!: boolean;

  @ApiProperty({
    description: 'The HTTP status the receiver answered; null when it did not answer.',
    example: 200,
    nullable: true,
    type: Number,
  })
  status_code!: number | null;

  @ApiProperty({
    description: 'Why it failed, or null.',
    example: null,
    nullable: true,
    type: String,
  })
  error!: string | null;
}
