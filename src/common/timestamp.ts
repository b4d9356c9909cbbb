/** ISO 8601 date and time; without an offset it is read as UTC. */
export const ISO_TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

/** `YYYY-MM-DD` names a day that exists (Date would roll 2025-02-31 over to March 3). */
function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.split('-').map(Number);
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, day);
  return probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
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
