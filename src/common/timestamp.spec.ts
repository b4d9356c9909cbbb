import { ISO_TIMESTAMP, parseTimestamp } from './timestamp';

/** The instant parseTimestamp reads, as UTC text, or undefined when it refuses the value. */
const instant = (value: string) => parseTimestamp(value)?.toISOString();

describe('parseTimestamp', () => {
  it.each([
    ['a Z (UTC) time', '2025-06-01T12:34:56Z', '2025-06-01T12:34:56.000Z'],
    ['a lower-case t and z', '2025-06-01t12:34:56z', '2025-06-01T12:34:56.000Z'],
    [
      'a +02:00 offset, two hours ahead of UTC',
      '2025-06-01T12:34:56+02:00',
      '2025-06-01T10:34:56.000Z',
    ],
    ['a +0200 offset without a colon', '2025-06-01T12:34:56+0200', '2025-06-01T10:34:56.000Z'],
    ['a negative offset with minutes', '2025-06-01T12:34:56-05:30', '2025-06-01T18:04:56.000Z'],
    ['a -0530 offset without a colon', '2025-06-01T12:34:56-0530', '2025-06-01T18:04:56.000Z'],
    ['an offset that moves the day back', '2025-06-01T01:00+03:00', '2025-05-31T22:00:00.000Z'],
    ['a -00:00 offset as UTC', '2025-06-01T12:34:56-00:00', '2025-06-01T12:34:56.000Z'],
    ['milliseconds', '2025-06-01T12:34:56.789Z', '2025-06-01T12:34:56.789Z'],
    ['one fractional digit as tenths', '2025-06-01T12:34:56.5Z', '2025-06-01T12:34:56.500Z'],
    // A Date holds milliseconds; the digits past them cannot be kept.
    ['nine fractional digits', '2025-06-01T12:34:56.123456789Z', '2025-06-01T12:34:56.123Z'],
    ['a space instead of T', '2025-06-01 12:34:56Z', '2025-06-01T12:34:56.000Z'],
    ['a space and an offset', '2025-06-01 12:34:56+0200', '2025-06-01T10:34:56.000Z'],
    ['a time without seconds', '2025-06-01T12:34Z', '2025-06-01T12:34:00.000Z'],
    ['no zone as UTC', '2025-06-01T12:34:56', '2025-06-01T12:34:56.000Z'],
    ['no zone and no seconds as UTC', '2025-06-01 12:34', '2025-06-01T12:34:00.000Z'],
    ['no zone with a fraction as UTC', '2025-06-01T12:34:56.250', '2025-06-01T12:34:56.250Z'],
    ['the leap day of a leap year, 2024-02-29', '2024-02-29T00:00Z', '2024-02-29T00:00:00.000Z'],
    ['the leap day of 2000 (divisible by 400)', '2000-02-29T00:00Z', '2000-02-29T00:00:00.000Z'],
    ['the first instant of year 1', '0001-01-01T00:00Z', '0001-01-01T00:00:00.000Z'],
    ['a two-digit year written with zeros', '0099-06-01T00:00Z', '0099-06-01T00:00:00.000Z'],
    ['the last millisecond of year 9999', '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('reads %s: %s', (_form, value, expected) => {
    expect(ISO_TIMESTAMP.test(value)).toBe(true);
    expect(instant(value)).toBe(expected);
  });

  it('reads the same instant whatever zone writes it', () => {
    const utc = parseTimestamp('2025-11-01T20:30:00Z')!.getTime();
    expect(parseTimestamp('2025-11-01T21:30:00+01:00')!.getTime()).toBe(utc);
    expect(parseTimestamp('2025-11-01T15:30:00-0500')!.getTime()).toBe(utc);
    expect(parseTimestamp('2025-11-01 20:30:00')!.getTime()).toBe(utc);
  });

  // ISO_TIMESTAMP lets an hours-only offset through (so the vote DTOs accept it), and the
  // Date constructor does not read `+02` by itself.
  it('reads an hours-only +02 offset', () => {
    expect(instant('2025-06-01T12:34:56+02')).toBe('2025-06-01T10:34:56.000Z');
  });

  it.each([
    ['a day that does not exist, such as 2025-02-31', '2025-02-31T00:00Z'],
    ['the 31st of a 30-day month', '2025-04-31T12:00Z'],
    ['2023-02-29, as 2023 is not a leap year', '2023-02-29T00:00Z'],
    ['1900-02-29, as 1900 is not a leap year (divisible by 100)', '1900-02-29T00:00Z'],
    ['month 13', '2025-13-01T00:00Z'],
    ['month 00', '2025-00-10T00:00Z'],
    ['day 00', '2025-01-00T00:00Z'],
    ['day 32', '2025-01-32T00:00Z'],
    ['year 0000', '0000-01-01T00:00Z'],
    ['an offset that pulls year 1 back into year 0', '0001-01-01T00:00+01:00'],
    ['an offset that pushes 9999-12-31 past year 9999', '9999-12-31T23:59-14:00'],
    ['hour 25', '2025-06-01T25:00Z'],
    ['minute 60', '2025-06-01T12:60Z'],
    ['second 60', '2025-06-01T12:34:60Z'],
    ['an offset of 24 hours', '2025-06-01T12:34+24:00'],
  ])('refuses %s (%s), which matches the pattern but names no instant', (_why, value) => {
    expect(ISO_TIMESTAMP.test(value)).toBe(true);
    expect(parseTimestamp(value)).toBeUndefined();
  });

  it.each([
    ['the empty string', ''],
    ['garbage', 'not a date'],
    ['a date without a time', '2025-06-01'],
    ['a time without a date', '12:34:56Z'],
    ['a Unix time in seconds', '1748781296'],
    ['an RFC 2822 date', 'Sun, 01 Jun 2025 12:34:56 GMT'],
    ['a five-digit year', '10000-01-01T00:00Z'],
    ['a one-digit month', '2025-6-01T12:34Z'],
    ['a dot with no fraction', '2025-06-01T12:34:56.Z'],
    ['ten fractional digits', '2025-06-01T12:34:56.1234567890Z'],
    ['a fraction without seconds', '2025-06-01T12:34.5Z'],
    ['a one-digit offset minute', '2025-06-01T12:34:56+02:0'],
    ['a space before the zone', '2025-06-01T12:34:56 Z'],
    ['a zone name', '2025-06-01T12:34:56 UTC'],
    ['surrounding spaces', ' 2025-06-01T12:34:56Z '],
    ['a trailing newline', '2025-06-01T12:34:56Z\n'],
    ['two timestamps', '2025-06-01T12:34:56Z2025-06-01T12:34:56Z'],
  ])('refuses %s: %j', (_why, value) => {
    expect(ISO_TIMESTAMP.test(value)).toBe(false);
    expect(parseTimestamp(value)).toBeUndefined();
  });
});
