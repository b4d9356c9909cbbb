/** ISO 8601 date and time; without an offset it is read as UTC. */
export const ISO_TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `YYYY-MM-DD` names a day that exists (Date would roll 2025-02-31 over to March 3). */
function isCalendarDate(text: string): boolean {
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

/** The instant an ISO 8601 timestamp names, or undefined when it names none PostgreSQL can store. */
export function parseTimestamp(value: string): Date | undefined {
  if (!ISO_TIMESTAMP.test(value) || !isCalendarDate(value.slice(0, 10))) return undefined;
  // Date reads `+02:00` and `+0200` but not an hours-only `+02`.
  const withZone = /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(value)
    ? value.replace(/([+-]\d{2})$/, '$1:00')
    : `${value}Z`;
  const date = new Date(withZone.replace(' ', 'T'));
  // Years 1-9999 only: a zone offset can push year 0 or 9999 past what PostgreSQL accepts.
  const year = date.getUTCFullYear();
  return Number.isNaN(date.getTime()) || year < 1 || year > 9999 ? undefined : date;
}
