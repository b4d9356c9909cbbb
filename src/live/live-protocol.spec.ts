import { Value } from '@sinclair/typebox/value';
import { MAX_ID } from '../common/validators';
import { CLIENT_MESSAGES, MAX_PAGE_LENGTH, validPage, validPollLeading } from './live-protocol';

// The AsyncAPI document shows these schemas to client authors; the gateway checks messages by
// hand. Both must accept and refuse the same messages.
describe('client message schemas and the checks the server makes', () => {
  const pages: unknown[] = [
    '/history/12',
    'x',
    'a'.repeat(MAX_PAGE_LENGTH),
    'a'.repeat(MAX_PAGE_LENGTH + 1),
    '',
    '   ',
    '\t\n',
    ' /sessions ',
    42,
    null,
    undefined,
  ];
  it.each(pages.map((page) => [JSON.stringify(page) ?? 'undefined', page]))(
    'page_focus page %s',
    (_, page) => {
      const message = { type: 'page_focus', page };
      expect(Value.Check(CLIENT_MESSAGES.page_focus.schema, message)).toBe(validPage(page));
    },
  );

  const leading = {
    type: 'poll.leading',
    sessionId: 12,
    gameId: 45,
    label: 'Fibbage 4',
    votes: 17,
  };
  const variants: [string, Record<string, unknown>][] = [
    ['as documented', {}],
    ['"Other" (game 0)', { gameId: 0 }],
    ['no votes yet', { votes: 0 }],
    ['session 0', { sessionId: 0 }],
    ['a session past the id range', { sessionId: MAX_ID + 1 }],
    ['a fractional game', { gameId: 1.5 }],
    ['negative votes', { votes: -1 }],
    ['votes past the id range', { votes: MAX_ID + 1 }],
    ['votes as a string', { votes: '17' }],
    ['an empty label', { label: '' }],
    ['a label of 200', { label: 'x'.repeat(200) }],
    ['a label of 201', { label: 'x'.repeat(201) }],
    ['a label with NUL', { label: 'Fib\u0000bage' }],
    ['no label', { label: undefined }],
  ];
  it.each(variants)('poll.leading, %s', (_, change) => {
    const message = { ...leading, ...change };
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) delete message[key as keyof typeof message];
    }
    expect(Value.Check(CLIENT_MESSAGES['poll.leading'].schema, message)).toBe(
      validPollLeading(message),
    );
  });

  it('tells the cases apart (the table is not all one answer)', () => {
    expect(validPage('/history/12')).toBe(true);
    expect(validPage('   ')).toBe(false);
    expect(validPollLeading(leading)).toBe(true);
    expect(validPollLeading({ ...leading, label: 'a\u0000' })).toBe(false);
  });
});
