import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { EVENT_REGISTRY, WEBHOOK_EVENTS } from '../events/event-types';
import { TEST_PAYLOADS } from './test-payloads';

FormatRegistry.Set(
  'date-time',
  (value) => /^\d{4}-\d{2}-\d{2}T/.test(value) && !isNaN(Date.parse(value)),
);

describe('test send payloads', () => {
  it('has one for every event a webhook can subscribe to, and nothing else', () => {
    expect(Object.keys(TEST_PAYLOADS).sort()).toEqual([...WEBHOOK_EVENTS].sort());
  });

  it.each(WEBHOOK_EVENTS)('sends a %s that matches its schema', (type) => {
    const schema = EVENT_REGISTRY[type].payload;
    expect([...Value.Errors(schema, TEST_PAYLOADS[type])].map((e) => e.message)).toEqual([]);
  });
});
