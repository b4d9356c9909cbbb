import { ArgumentMetadata, BadRequestException } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsOptional, IsString, MinLength, ValidateNested } from 'class-validator';
import { createValidationPipe } from './validation.pipe';

class Inner {
  @IsString()
  label!: string;
}

class Outer {
  @MinLength(3)
  @IsString()
  name!: string;

  @IsOptional()
  @IsInt()
  count?: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => Inner)
  inner?: Inner;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => Inner)
  items?: Inner[];
}

const body: ArgumentMetadata = { type: 'body', metatype: Outer };
// A body typed as a plain object is not validated, so only the pipe's own checks apply.
const anyBody: ArgumentMetadata = { type: 'body', metatype: Object };

/** The 400 message the pipe answers with; fails when the value is accepted. */
async function refusal(value: unknown, metadata: ArgumentMetadata = body): Promise<string> {
  const pipe = createValidationPipe();
  const error: unknown = await pipe.transform(value, metadata).then(
    (accepted) => {
      throw new Error(`expected a refusal, got ${JSON.stringify(accepted)}`);
    },
    (refused: unknown) => refused,
  );
  expect(error).toBeInstanceOf(BadRequestException);
  const response = (error as BadRequestException).getResponse() as { message: unknown };
  expect(response).toMatchObject({ statusCode: 400 });
  expect(typeof response.message).toBe('string');
  return response.message as string;
}

/** `{ a: { a: ... { a: leaf } } }` with `levels` objects. */
function nested(levels: number, leaf: unknown = 'x'): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe('createValidationPipe', () => {
  it('turns a valid body into an instance of its class', async () => {
    const value = { name: 'Quiplash', count: 3, inner: { label: 'x' }, items: [{ label: 'y' }] };
    const dto = await createValidationPipe().transform(value, body);
    expect(dto).toBeInstanceOf(Outer);
    expect((dto as Outer).inner).toBeInstanceOf(Inner);
    expect((dto as Outer).items![0]).toBeInstanceOf(Inner);
    expect(dto).toEqual(value);
  });

  describe('NUL characters', () => {
    it('refuses one in a body field, naming the field', async () => {
      expect(await refusal({ name: 'Quip\u0000lash' })).toBe(
        'name must not contain NUL (\\u0000) characters',
      );
    });

    it('names the full path of a nested field', async () => {
      expect(await refusal({ name: 'Quiplash', inner: { label: '\u0000' } })).toBe(
        'inner.label must not contain NUL (\\u0000) characters',
      );
    });

    it('names the index of an array item', async () => {
      const value = { name: 'Quiplash', items: [{ label: 'ok' }, { label: 'a\u0000' }] };
      expect(await refusal(value)).toBe('items.1.label must not contain NUL (\\u0000) characters');
    });

    it('refuses one even in a field the class does not declare', async () => {
      expect(await refusal({ unknown: { deep: 'a\u0000' } }, anyBody)).toBe(
        'unknown.deep must not contain NUL (\\u0000) characters',
      );
    });

    it('names the body itself when the body is a string', async () => {
      expect(await refusal('a\u0000', anyBody)).toBe(
        'body must not contain NUL (\\u0000) characters',
      );
    });

    it('names a query parameter read on its own', async () => {
      const metadata: ArgumentMetadata = { type: 'query', data: 'search', metatype: String };
      expect(await refusal('a\u0000', metadata)).toBe(
        'search must not contain NUL (\\u0000) characters',
      );
    });

    it('names a field of the whole query', async () => {
      const metadata: ArgumentMetadata = { type: 'query', metatype: Object };
      expect(await refusal({ search: 'a\u0000' }, metadata)).toBe(
        'search must not contain NUL (\\u0000) characters',
      );
    });

    it('names a path parameter', async () => {
      const metadata: ArgumentMetadata = { type: 'param', data: 'id', metatype: Number };
      expect(await refusal('1\u0000', metadata)).toBe(
        'id must not contain NUL (\\u0000) characters',
      );
    });
  });

  describe('keys named after Object.prototype members', () => {
    it.each(['constructor', 'hasOwnProperty', 'toString', 'valueOf', 'isPrototypeOf'])(
      'refuses a body key named %s',
      async (key) => {
        expect(await refusal({ name: 'Quiplash', [key]: 1 })).toBe(
          `property ${key} should not exist`,
        );
      },
    );

    it('refuses __proto__ as JSON.parse creates it, an own key', async () => {
      const value: unknown = JSON.parse('{"name":"Quiplash","__proto__":{"isAdmin":true}}');
      expect(Object.keys(value as object)).toContain('__proto__');
      expect(await refusal(value)).toBe('property __proto__ should not exist');
    });

    it('names the path of a nested one', async () => {
      const value: unknown = JSON.parse(
        '{"name":"Quiplash","inner":{"label":"x","constructor":1}}',
      );
      expect(await refusal(value)).toBe('property inner.constructor should not exist');
    });

    it('refuses one in an array item', async () => {
      const value = { name: 'Quiplash', items: [{ label: 'x', hasOwnProperty: 1 }] };
      expect(await refusal(value)).toBe('property items.0.hasOwnProperty should not exist');
    });

    it('refuses one even in a body that is not validated', async () => {
      expect(await refusal({ constructor: 'x' }, anyBody)).toBe(
        'property constructor should not exist',
      );
    });

    it('accepts an array, whose indexes and length are not such keys', async () => {
      const value = { name: 'Quiplash', items: [{ label: 'a' }, { label: 'b' }] };
      await expect(createValidationPipe().transform(value, body)).resolves.toEqual(value);
    });
  });

  describe('nesting', () => {
    it('accepts 32 levels of objects', async () => {
      const value = nested(32);
      await expect(createValidationPipe().transform(value, anyBody)).resolves.toBe(value);
    });

    it('refuses 33 levels of objects', async () => {
      expect(await refusal(nested(33), anyBody)).toBe(
        'body is nested too deeply (at most 32 levels)',
      );
    });

    it('counts arrays as levels too', async () => {
      let deep: unknown = [];
      for (let i = 0; i < 32; i++) deep = [deep];
      expect(await refusal(deep, anyBody)).toBe('body is nested too deeply (at most 32 levels)');
    });

    it('refuses a deep query as the query', async () => {
      const metadata: ArgumentMetadata = { type: 'query', metatype: Object };
      expect(await refusal(nested(40), metadata)).toBe(
        'query is nested too deeply (at most 32 levels)',
      );
    });

    it('refuses deep nesting inside a declared field before the validator recurses', async () => {
      expect(await refusal({ name: 'Quiplash', inner: nested(40) })).toBe(
        'body is nested too deeply (at most 32 levels)',
      );
    });
  });

  describe('the body', () => {
    it('refuses a JSON null body for a class', async () => {
      expect(await refusal(null)).toBe('The request body must be a JSON object');
    });

    it('passes a null body through when no class is expected', async () => {
      await expect(createValidationPipe().transform(null, anyBody)).resolves.toBeNull();
    });

    it('refuses a field the class does not declare', async () => {
      expect(await refusal({ name: 'Quiplash', extra: 1 })).toBe(
        'extra: property extra should not exist',
      );
    });

    it('refuses an undeclared field of a nested object, naming its path', async () => {
      expect(await refusal({ name: 'Quiplash', inner: { label: 'x', extra: 1 } })).toBe(
        'inner.extra: property extra should not exist',
      );
    });

    it('flattens a nested error as field.sub', async () => {
      expect(await refusal({ name: 'Quiplash', inner: { label: 5 } })).toBe(
        'inner.label must be a string',
      );
    });

    it('flattens an array item error as field.index.sub', async () => {
      const value = { name: 'Quiplash', items: [{ label: 'x' }, { label: 5 }] };
      expect(await refusal(value)).toBe('items.1.label must be a string');
    });

    it('gives one message per field, joined by semicolons', async () => {
      // 5 breaks both of name's rules; only the first is reported.
      expect(await refusal({ name: 5, count: 'three' })).toBe(
        'name must be a string; count must be an integer number',
      );
    });

    it('refuses a missing required field', async () => {
      expect(await refusal({})).toBe('name must be a string');
    });

    it('refuses a nested field that is not an object', async () => {
      expect(await refusal({ name: 'Quiplash', inner: 'x' })).toMatch(/^inner: /);
    });
  });

  describe('path parameters', () => {
    it.each(['0x10', ' 1', '1e3', 'abc'])(
      'leaves %j as text for the parameter pipe to judge',
      async (value) => {
        const metadata: ArgumentMetadata = { type: 'param', data: 'id', metatype: Number };
        await expect(createValidationPipe().transform(value, metadata)).resolves.toBe(value);
      },
    );
  });
});
