import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EVENT_TYPES } from './event-types';
import { eventTable, withEventTable } from './event-table';

describe("README's event table", () => {
  const readme = readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');

  it('lists every registered event', () => {
    for (const type of EVENT_TYPES) expect(eventTable()).toContain(`| \`${type}\` |`);
  });

  it('is the one the registry makes (run `npm run docs:events` after changing an event)', () => {
    expect(withEventTable(readme)).toBe(readme);
  });
});
