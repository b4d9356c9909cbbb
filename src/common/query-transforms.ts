import { Transform } from 'class-transformer';

/** Query strings arrive as text: "true"/"false" become booleans, anything else stays for the validator to refuse. */
export const QueryBoolean = () =>
  Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  );

/** A whole number in a query string becomes a number; anything else stays for the validator to refuse. */
export const QueryInteger = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value,
  );
