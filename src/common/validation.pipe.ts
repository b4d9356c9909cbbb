import {
  ArgumentMetadata,
  BadRequestException,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';

/** Deeper JSON than any request needs; deeper would also overflow the validator's recursion. */
const MAX_DEPTH = 32;

/** Flattens nested errors into "field.sub must be ..." messages. */
function messages(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(e.property) ? field + m.slice(e.property.length) : `${field}: ${m}`,
    );
    return [...own, ...messages(e.children ?? [], field)];
  });
}

/**
 * Refuses what the validator would miss or choke on, naming where: NUL characters (PostgreSQL
 * cannot store them in text), keys that are Object.prototype members (`constructor` passes the
 * validator's whitelist), and nesting deeper than MAX_DEPTH.
 */
function checkInput(value: unknown, path: string, root: string, depth = 0): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) {
      throw new BadRequestException(`${path || root} must not contain NUL (\\u0000) characters`);
    }
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth >= MAX_DEPTH) {
    throw new BadRequestException(`${root} is nested too deeply (at most ${MAX_DEPTH} levels)`);
  }
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (!Array.isArray(value) && key in Object.prototype) {
      throw new BadRequestException(`property ${at} should not exist`);
    }
    checkInput(item, at, root, depth + 1);
  }
}

/**
 * Whitelisting, transforming validation whose 400 message names every field at fault. Path
 * parameters are left as the text they arrived as, for their own pipes (IdPipe) to judge:
 * the stock conversion would read `0x10` or ` 1` as a number.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'custom') return super.transform(value, metadata);
    const name = metadata.type === 'body' ? '' : (metadata.data ?? '');
    checkInput(value, name, name || metadata.type);
    if (metadata.type === 'param') return value;
    if (metadata.type === 'body' && value === null && this.toValidate(metadata)) {
      throw new BadRequestException('The request body must be a JSON object');
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
    transform: true,
    exceptionFactory: (errors) => new BadRequestException(messages(errors).join('; ')),
  });
}
