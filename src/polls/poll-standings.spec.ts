import { leaderOf, parseOption, type OptionStanding } from './poll-standings';

const option = (n: number, votes: number, reached: number | null): OptionStanding => ({
  option: n,
  game_id: n === 3 ? null : 40 + n,
  label: `Option ${n}`,
  ticker: null,
  votes,
  reached: reached === null ? null : BigInt(reached),
});

describe('leaderOf', () => {
  it('has no leader before the first vote', () => {
    expect(leaderOf([option(1, 0, null), option(2, 0, null)])).toBeNull();
  });

  it('takes the most votes', () => {
    expect(leaderOf([option(1, 2, 5), option(2, 3, 9), option(3, 1, 2)])?.option).toBe(2);
  });

  it('gives a tie to the option whose votes were all in first', () => {
    expect(leaderOf([option(1, 3, 12), option(2, 3, 7), option(3, 3, 20)])?.option).toBe(2);
  });
});

describe('parseOption', () => {
  it.each([
    [2, { position: 2, ticker: null }],
    ['2', { position: 2, ticker: null }],
    [' 3 ', { position: 3, ticker: null }],
    ['fib4', { position: null, ticker: 'FIB4' }],
    [' Quip3 ', { position: null, ticker: 'QUIP3' }],
  ])('reads %j', (value, expected) => {
    expect(parseOption(value)).toEqual(expected);
  });

  it.each([0, -1, 1.5, 101, '', '!vote 2', 'A', 'TOOLONG7', null, true, {}])(
    'refuses %j',
    (value) => {
      expect(parseOption(value)).toBeUndefined();
    },
  );
});
