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
  @ApiProperty({ example: 'Kosmi Bot' })
  @Trim()
  @Length(1, 100)
  @IsString()
  name!: string;

  @ApiProperty({ example: 'http://your-bot-url/webhook/jackbox' })
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

  @ApiProperty({ example: ['game.added'], enum: WEBHOOK_EVENTS, isArray: true })
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
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'Kosmi Bot' })
  name!: string;

  @ApiProperty({ example: 'http://your-bot-url/webhook/jackbox' })
  url!: string;

  @ApiProperty({ example: ['game.added'], enum: WEBHOOK_EVENTS, isArray: true })
  events!: string[];

  @ApiProperty({ example: true })
  enabled!: boolean;

  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: 'Why it was disabled automatically (410 Gone, or failing for a day).',
  })
  disabled_reason!: string | null;

  @ApiProperty({ example: '2026-11-27T20:00:00.000Z' })
  created_at!: Date;

  @ApiProperty({ example: '2026-11-27T20:00:00.000Z' })
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
  @ApiPropertyOptional({ example: 50, default: 50, maximum: 100 })
  @IsOptional()
  @QueryInteger()
  @Max(100)
  @Min(1)
  @IsInt()
  limit?: number;
}

export class WebhookAttemptDto {
  @ApiProperty({ example: 77 })
  id!: number;

  @ApiProperty({
    example: 12,
    description: 'The delivery (one event to this webhook); retry it by this id.',
  })
  delivery_id!: number;

  @ApiProperty({ example: 'game.added' })
  event!: string;

  @ApiProperty({ example: 1 })
  attempt!: number;

  @ApiProperty({ example: '2026-11-27T20:00:00.000Z' })
  attempted_at!: Date;

  @ApiProperty({ example: 200, nullable: true, type: Number })
  status_code!: number | null;

  @ApiProperty({ example: 34 })
  duration_ms!: number;

  @ApiProperty({ example: true })
  success!: boolean;

  @ApiProperty({ example: null, nullable: true, type: String })
  error!: string | null;

  @ApiProperty({
    example: 'OK',
    nullable: true,
    type: String,
    description: 'At most 1 KB of the response body.',
  })
  response_body!: string | null;

  @ApiProperty({
    enum: ['pending', 'delivered', 'failed'],
    description: 'Where the delivery stands now.',
  })
  delivery_status!: string;
}

export class DeliveryResultDto {
  @ApiProperty({ example: 'Test webhook sent' })
  message!: string;

  @ApiProperty({ example: 12 })
  delivery_id!: number;

  @ApiProperty({ example: true })
  success!: boolean;

  @ApiProperty({ example: 200, nullable: true, type: Number })
  status_code!: number | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  error!: string | null;
}
