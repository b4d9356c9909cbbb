import { Controller, Get, Headers, Inject, Res, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RuntimeConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Metrics } from './metrics';

export const METRICS_PATH = '/metrics';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * GET /metrics for Prometheus, beside /health rather than under /api: it is for the operator's
 * scraper, not for bots, and so is left out of the OpenAPI document. With METRICS_TOKEN set it
 * needs that token as a bearer token.
 */
@ApiExcludeController()
@Controller()
export class MetricsController {
  /** The token's digest: comparing digests takes as long whatever the token's length. */
  private readonly token?: Buffer;

  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) config: RuntimeConfig,
  ) {
    if (config.metrics.token !== undefined) this.token = digest(config.metrics.token);
  }

  @Get(METRICS_PATH.slice(1))
  async getMetrics(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    this.authorize(authorization);
    void reply.header('content-type', this.metrics.contentType);
    return this.metrics.exposition();
  }

  private authorize(header: string | undefined): void {
    if (!this.token) return;
    if (!header) throw new UnauthorizedException('Metrics token required');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedException('Authorization header must be "Bearer <token>"');
    if (!timingSafeEqual(digest(match[1]), this.token)) {
      throw new UnauthorizedException('Invalid metrics token');
    }
  }
}
