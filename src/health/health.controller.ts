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

class HealthDto {
  @ApiProperty({ example: 'ok', enum: ['ok', 'error'] })
  status!: string;

  @ApiProperty({ example: 'Jackbox Game Picker API is running' })
  message!: string;

  @ApiProperty({ example: 'up', enum: ['up', 'down'] })
  database!: string;

  @ApiProperty({ example: 'Database unavailable', required: false })
  error?: string;
}

const PING_TIMEOUT_MS = 2_000;

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  @Get(['health', 'api/health'])
  @ApiOperation({ summary: 'Liveness and database readiness (no auth)' })
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({ type: HealthDto, description: 'The database is unreachable' })
  async getHealth(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthDto> {
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

  private async databaseAnswers(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    const ping = this.dataSource.query('SELECT 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
