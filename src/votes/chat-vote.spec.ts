import { chatVote } from './chat-vote';

describe('chatVote', () => {
  it('reads thisgame++ as an up vote', () => {
    expect(chatVote('thisgame++')).toBe(1);
  });

  it('reads thisgame-- as a down vote', () => {
    expect(chatVote('thisgame--')).toBe(-1);
  });

  it.each([
    ['at the start', 'thisgame++ what a round', 1],
    ['in the middle', 'honestly thisgame++ lol', 1],
    ['at the end', 'ok fine thisgame--', -1],
    ['glued to other words', 'lolthisgame--lol', -1],
    ['on a later line', 'gg\nthisgame++', 1],
  ] as const)('finds the vote %s of the message', (_where, message, vote) => {
    expect(chatVote(message)).toBe(vote);
  });

  it.each(['THISGAME++', 'ThisGame++', 'tHiSgAmE++'])('ignores case in %s', (message) => {
    expect(chatVote(message)).toBe(1);
  });

  it('ignores case for a down vote too', () => {
    expect(chatVote('THISGAME--')).toBe(-1);
  });

  it.each(['thisgame-- no wait thisgame++', 'thisgame++ thisgame--', 'thisgame--thisgame++'])(
    'lets ++ win when both appear, in either order: %j',
    (message) => {
      expect(chatVote(message)).toBe(1);
    },
  );

  it.each([
    '',
    'thisgame',
    'thisgame+',
    'thisgame-',
    'thisgame+-',
    'thisgame-+',
    'this game++',
    'this game--',
    'thisgame ++',
    'thisgame --',
    'thisgam++',
    'thatgame++',
    'thisgame＋＋',
    '++thisgame',
  ])('finds no vote in the near miss %j', (message) => {
    expect(chatVote(message)).toBeUndefined();
  });

  it('counts thisgame+++ as an up vote, because it contains thisgame++', () => {
    expect(chatVote('thisgame+++')).toBe(1);
  });
});
