import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from '../app.module';
import { loadConfig } from '../config/app-config';
import { buildOpenApiDocument } from './openapi-document';

/**
 * The OpenAPI document without a database or a server: Nest's preview mode builds the module
 * graph without creating any provider, which is all the document needs. The configuration is
 * the defaults; nothing connects to the database URL or signs with the secret.
 */
export async function buildOfflineOpenApiDocument(): Promise<OpenAPIObject> {
  const config = {
    ...loadConfig({}),
    databaseUrl: 'postgres://127.0.0.1:1/openapi-preview',
    jwtSecret: randomBytes(32).toString('hex'),
  };
  const app = await NestFactory.create(AppModule.forRoot(config), new FastifyAdapter(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** The snapshot's text: stable key order as built, two-space indent, a final newline. */
export function formatOpenApiDocument(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
