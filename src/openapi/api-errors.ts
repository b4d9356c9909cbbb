import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-body';
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
 * Documents a route's error responses with the messages the server sends for them on this route.
 * Written as JSON content by hand so that routes producing CSV or text still show errors as JSON.
 */
export function ApiErrors(errors: Record<number, ErrorDoc>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ...Object.entries(errors).map(([status, doc]) =>
      ApiResponse({
        status: Number(status),
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
      }),
    ),
  );
}

/** The id the documented "not found" examples use. */
export const MISSING_ID = 9999;

/** The 400 every route with an `{id}` path parameter answers for an id that is not one. */
export const badId = (name = 'id'): ErrorDoc['examples'] => ({
  badId: notAnId(name),
});
