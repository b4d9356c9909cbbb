import { BadRequestException } from '@nestjs/common';
import { IdPipe } from './id.pipe';

/** The 400 message the pipe answers `value` with; fails when the value is accepted. */
function refusal(pipe: IdPipe, value: unknown): string {
  try {
    pipe.transform(value);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return (error as BadRequestException).message;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
}

describe('IdPipe', () => {
  it.each([
    ['1', 1],
    ['42', 42],
    ['2147483647', 2_147_483_647],
    // Leading zeros are still only digits, and name the same row.
    ['007', 7],
  ])('reads the path id %j as %d', (value, id) => {
    expect(new IdPipe().transform(value)).toBe(id);
  });

  it.each([
    ['zero', '0'],
    ['zeros', '0000'],
    ['a negative number', '-1'],
    ['one more than an integer column holds', '2147483648'],
    ['ten nines', '9999999999'],
    ['eleven digits', '00000000001'],
    ['hexadecimal', '0x10'],
    ['a leading space', ' 1'],
    ['a trailing space', '1 '],
    ['a trailing newline', '1\n'],
    ['exponent notation', '1e3'],
    ['a decimal', '1.0'],
    ['a plus sign', '+1'],
    ['binary', '0b1'],
    ['Infinity', 'Infinity'],
    ['a word', 'abc'],
    ['the empty string', ''],
    ['Arabic-Indic digits', '\u0661\u0662'],
    ['full-width digits', '\uFF11'],
  ])('refuses %s (%j)', (_what, value) => {
    expect(refusal(new IdPipe(), value)).toBe('id must be a positive integer');
  });

  // The global pipe leaves path parameters as text, so anything but a string is a wiring fault.
  it.each([
    ['a number', 5],
    ['undefined', undefined],
    ['null', null],
    ['an array', ['1']],
  ])('refuses %s, which is not path text', (_what, value) => {
    expect(refusal(new IdPipe(), value)).toBe('id must be a positive integer');
  });

  it('names the parameter it was made for', () => {
    const pipe = new IdPipe('sessionGameId');
    expect(refusal(pipe, '0')).toBe('sessionGameId must be a positive integer');
    expect(refusal(pipe, '0x10')).toBe('sessionGameId must be a positive integer');
    expect(pipe.transform('12')).toBe(12);
  });
});
