import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-body';
import { DATABASE_UNAVAILABLE_MESSAGE, RETRY_AFTER_SECONDS } from '../common/http-exception.filter';
import { notAnId } from '../common/id.pipe';

/** A body the server answers with: `error` and, for a few errors, fields beside it. */
export interface ErrorBody {
  error: string;
  [field: string]: unknown;
}

export interface ErrorDoc {
  /** When the status happens on this route. */
  description: string;
  /**
   * The bodies the server really sends, by a short camelCase name. A test sends each one's request
   * to the live server and compares (test/openapi-errors.e2e-spec.ts).
   */
  examples: Record<string, string | ErrorBody>;
}

/**
 * One error response of the OpenAPI document: JSON content of the ErrorResponseDto schema, each
 * body a named example. Shared by ApiErrors and the operations written by hand for the plain
 * Fastify routes, so that every route shows its errors in the same shape.
 */
export function errorResponse(doc: ErrorDoc) {
  return {
    description: doc.description,
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(ErrorResponseDto) },
        examples: Object.fromEntries(
          Object.entries(doc.examples).map(([name, example]) => {
            const value = typeof example === 'string' ? { error: example } : example;
            return [name, { summary: value.error, value }];
          }),
        ),
      },
    },
  };
}

/**
 * Documents a route's error responses with the messages the server sends for them on this route.
 * Written as JSON content by hand so that routes producing CSV or text still show errors as JSON.
 */
export function ApiErrors(errors: Record<number, ErrorDoc>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ...Object.entries(errors).map(([status, doc]) =>
      ApiResponse({ status: Number(status), ...errorResponse(doc) }),
    ),
  );
}

/**
 * The 503 of a route written by hand that documents it: while the database is unavailable, any
 * route needing it answers so (see the document's description).
 */
export const databaseUnavailableResponse = () => ({
  ...errorResponse({
    description: 'The database is unavailable: retry after the seconds the Retry-After header says',
    examples: { databaseDown: DATABASE_UNAVAILABLE_MESSAGE },
  }),
  headers: {
    'Retry-After': {
      description: 'Seconds to wait before trying again.',
      schema: { type: 'integer', example: RETRY_AFTER_SECONDS },
    },
  },
});

/** The id the documented "not found" examples use. */
export const MISSING_ID = 9999;

/** The 400 every route with an `{id}` path parameter answers for an id that is not one. */
export const badId = (name = 'id'): ErrorDoc['examples'] => ({
  badId: notAnId(name),
});
