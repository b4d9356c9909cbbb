import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { DatabaseUnavailableError } from '../common/database-errors';
import { DatabaseAvailability } from '../database/database-availability';

class HealthDto {
  @ApiProperty({
    example: 'ok',
    enum: ['ok', 'error'],
    description: '`error` while the database is down.',
  })
  status!: string;

  @ApiProperty({
    example: 'Jackbox Game Picker API is running',
    description: 'The state, in words.',
  })
  message!: string;

  @ApiProperty({
    example: 'up',
    enum: ['up', 'down'],
    description: 'Whether the database answered.',
  })
  database!: string;

  @ApiProperty({
    example: 'Database unavailable',
    required: false,
    description: 'Only while the database is down.',
  })
  error?: string;
}

const PING_TIMEOUT_MS = 2_000;

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly availability: DatabaseAvailability,
  ) {}

  @Get('health')
  @ApiOperation({
    summary: 'Liveness and database readiness (no auth)',
    description:
      "200 while the database answers a query within 2 seconds, 503 otherwise: the Docker health check's URL.",
  })
  @ApiOkResponse({ type: HealthDto, description: 'Running, and the database answers.' })
  @ApiServiceUnavailableResponse({
    type: HealthDto,
    description: 'Running, but the database does not answer',
  })
  getHealth(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthDto> {
    return this.check(reply);
  }

  @Get('api/health')
  @ApiOperation({
    summary: 'The same check under /api (no auth)',
    description: 'Identical to GET /health, for proxies that forward /api only.',
  })
  @ApiOkResponse({ type: HealthDto, description: 'Running, and the database answers.' })
  @ApiServiceUnavailableResponse({
    type: HealthDto,
    description: 'Running, but the database does not answer',
  })
  getApiHealth(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthDto> {
    return this.check(reply);
  }

  private async check(reply: FastifyReply): Promise<HealthDto> {
    if (await this.databaseAnswers()) {
      return { status: 'ok', message: 'Jackbox Game Picker API is running', database: 'up' };
    }
    void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status: 'error',
      message: 'Jackbox Game Picker API is running, but its database is unreachable',
      database: 'down',
      error: 'Database unavailable',
    };
  }

  /** A probe that finds the database gone also starts an outage, when no request has yet. */
  private async databaseAnswers(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        this.availability.failed(
          new DatabaseUnavailableError(
            `no answer to the health check within ${PING_TIMEOUT_MS} ms`,
          ),
        );
        resolve(false);
      }, PING_TIMEOUT_MS);
    });
    const ping = this.dataSource.query('SELECT 1').then(
      () => true,
      (error: unknown) => {
        this.availability.failed(error);
        return false;
      },
    );
    try {
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
