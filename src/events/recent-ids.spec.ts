import { RecentIds } from './recent-ids';

describe('RecentIds', () => {
  it('tells a repeat from a new id', () => {
    const recent = new RecentIds(3);
    expect(recent.add(1)).toBe(true);
    expect(recent.add(1)).toBe(false);
    expect(recent.has(1)).toBe(true);
    expect(recent.has(2)).toBe(false);
  });

  it('forgets the oldest ids first, once full, and keeps the last `capacity`', () => {
    const recent = new RecentIds(3);
    for (let id = 1; id <= 10; id++) recent.add(id);
    expect([...Array(10).keys()].map((i) => i + 1).filter((id) => recent.has(id))).toEqual([
      8, 9, 10,
    ]);
    // A forgotten id is new again, and pushes out the oldest remembered one.
    expect(recent.add(8)).toBe(false);
    expect(recent.add(1)).toBe(true);
    expect([1, 8, 9, 10].filter((id) => recent.has(id))).toEqual([1, 9, 10]);
  });
});
