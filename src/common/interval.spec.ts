import { judgingInterval } from './interval';

describe('judgingInterval', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Ticks of a 100 ms interval, with the process stalled for `stallMs` before the third. */
  function ticksAround(stallMs: number): boolean[] {
    const ticks: boolean[] = [];
    const timer = judgingInterval(100, (late) => ticks.push(late));
    jest.advanceTimersByTime(200);
    jest.setSystemTime(Date.now() + stallMs); // the clock moves on, no timer runs meanwhile
    jest.advanceTimersByTime(200);
    clearInterval(timer);
    return ticks;
  }

  it('calls a tick late after a stall of more than a second', () => {
    expect(ticksAround(1_500)).toEqual([false, false, true, false]);
  });

  it('does not call a tick late for the lag of a merely busy process', () => {
    expect(ticksAround(600)).toEqual([false, false, false, false]);
  });
});
