import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

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

/** Whitelisting, transforming validation whose 400 message names every field at fault. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
    transform: true,
    exceptionFactory: (errors) => new BadRequestException(messages(errors).join('; ')),
  });
}
