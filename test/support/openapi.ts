// Checks on the OpenAPI document that no validator makes: what a reader of Swagger UI or of a
// generated client needs on every operation, parameter, schema property, response and tag.

type Json = any;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

export interface Operation {
  method: string;
  path: string;
  operation: Json;
}

export function operations(document: Json): Operation[] {
  const list: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(document.paths)) {
    for (const method of HTTP_METHODS) {
      if (item[method]) list.push({ method, path, operation: item[method] });
    }
  }
  return list;
}

const described = (node: Json): boolean =>
  typeof node?.description === 'string' && node.description.trim().length > 0;

/** Every property of a schema, and of the schemas nested in it, without a description. */
function schemaProblems(schema: Json, where: string, problems: string[]): void {
  if (!schema || typeof schema !== 'object' || schema.$ref) return;
  for (const [name, property] of Object.entries<Json>(schema.properties ?? {})) {
    // A property that is a bare $ref takes its description from the referenced schema's use;
    // OpenAPI 3.0 ignores siblings of $ref, so Nest wraps described refs in allOf.
    if (!described(property) && !property.$ref) problems.push(`${where}.${name}: no description`);
    schemaProblems(property, `${where}.${name}`, problems);
  }
  if (schema.items) schemaProblems(schema.items, `${where}[]`, problems);
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    (schema[key] ?? []).forEach((part: Json, i: number) =>
      schemaProblems(part, `${where}.${key}[${i}]`, problems),
    );
  }
}

/** Everything in the document a reader would find undescribed, one line each. */
export function missingDescriptions(document: Json): string[] {
  const problems: string[] = [];
  const tags = new Map<string, Json>(
    (document.tags ?? []).map((tag: Json) => [tag.name as string, tag]),
  );
  for (const tag of tags.values()) {
    if (!described(tag)) problems.push(`tag ${tag.name}: no description`);
  }
  for (const { method, path, operation } of operations(document)) {
    const at = `${method.toUpperCase()} ${path}`;
    if (!operation.summary?.trim()) problems.push(`${at}: no summary`);
    if (!described(operation)) problems.push(`${at}: no description`);
    for (const tag of operation.tags ?? []) {
      if (!tags.has(tag)) problems.push(`${at}: tag ${tag} is not declared with a description`);
    }
    if (!operation.tags?.length) problems.push(`${at}: no tag`);
    for (const parameter of operation.parameters ?? []) {
      if (!described(parameter)) {
        problems.push(`${at}: parameter ${parameter.name}: no description`);
      }
    }
    if (operation.requestBody && !described(operation.requestBody)) {
      problems.push(`${at}: request body: no description`);
    }
    for (const [type, media] of Object.entries<Json>(operation.requestBody?.content ?? {})) {
      schemaProblems(media.schema, `${at} request body (${type})`, problems);
    }
    for (const [status, response] of Object.entries<Json>(operation.responses ?? {})) {
      if (!described(response)) problems.push(`${at}: response ${status}: no description`);
      for (const [type, media] of Object.entries<Json>(response.content ?? {})) {
        schemaProblems(media.schema, `${at} response ${status} (${type})`, problems);
      }
    }
  }
  for (const [name, schema] of Object.entries<Json>(document.components?.schemas ?? {})) {
    schemaProblems(schema, `schema ${name}`, problems);
  }
  return problems;
}

/**
 * Query parameters that Swagger UI would fill in before "Try it out" runs: a list filtered by an
 * example value answers a fraction of the data, or nothing, to someone who only pressed Execute.
 */
export function prefilledQueryParameters(document: Json): string[] {
  const problems: string[] = [];
  for (const { method, path, operation } of operations(document)) {
    for (const parameter of operation.parameters ?? []) {
      if (parameter.in !== 'query') continue;
      const prefilled = ['example', 'examples'].filter(
        (key) => parameter[key] !== undefined || parameter.schema?.[key] !== undefined,
      );
      if (prefilled.length) {
        problems.push(
          `${method.toUpperCase()} ${path}: ?${parameter.name} has ${prefilled.join(', ')}`,
        );
      }
    }
  }
  return problems;
}

export interface ErrorExample {
  operationId: string;
  method: string;
  path: string;
  status: number;
  name: string;
  body: { error: string; [field: string]: unknown };
}

/** Every documented error example (4xx and 5xx), with where it is documented. */
export function errorExamples(document: Json): ErrorExample[] {
  const list: ErrorExample[] = [];
  for (const { method, path, operation } of operations(document)) {
    for (const [status, response] of Object.entries<Json>(operation.responses ?? {})) {
      if (Number(status) < 400) continue;
      const media = response.content?.['application/json'] ?? {};
      for (const [name, example] of Object.entries<Json>(media.examples ?? {})) {
        list.push({
          operationId: operation.operationId,
          method,
          path,
          status: Number(status),
          name,
          body: example.value,
        });
      }
    }
  }
  return list;
}

/** `{error}` responses that show no example of the body the server sends. */
export function errorsWithoutExamples(document: Json): string[] {
  const problems: string[] = [];
  for (const { method, path, operation } of operations(document)) {
    for (const [status, response] of Object.entries<Json>(operation.responses ?? {})) {
      const media = response.content?.['application/json'];
      // Other bodies (the health check's) are described by their schema.
      if (Number(status) < 400 || !String(media?.schema?.$ref).endsWith('/ErrorResponseDto')) {
        continue;
      }
      const examples = media.examples ?? {};
      if (Object.keys(examples).length === 0) {
        problems.push(`${method.toUpperCase()} ${path}: ${status} has no example`);
      }
    }
  }
  return problems;
}
