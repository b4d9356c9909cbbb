import { Logger } from '@nestjs/common';
import { DatabaseUnavailableError } from '../common/database-errors';
import { DatabaseAvailability, SETTLE_MS } from './database-availability';

describe('DatabaseAvailability', () => {
  let warn: jest.SpyInstance;
  let info: jest.SpyInstance;
  beforeEach(() => {
    jest.useFakeTimers();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    info = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('logs an outage once when it starts and once when the database answers again', () => {
    const database = new DatabaseAvailability();
    for (let i = 0; i < 100; i++) database.failed(new Error('connect ECONNREFUSED'));
    expect(database.available).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/^database unavailable \(connect ECONNREFUSED\)/);

    jest.advanceTimersByTime(SETTLE_MS);
    database.answered();
    database.answered();
    expect(database.available).toBe(true);
    expect(info).toHaveBeenCalledTimes(1);
    expect(info.mock.calls[0][0]).toMatch(
      /^database answering again after 1\.0 s \(100 requests and tasks failed meanwhile\)/,
    );
  });

  it('does not end an outage on an answer that was on its way when it started', () => {
    const database = new DatabaseAvailability();
    database.failed(new Error('Connection terminated unexpectedly'));
    jest.advanceTimersByTime(SETTLE_MS - 1);
    database.answered();
    expect(database.available).toBe(false);
    expect(info).not.toHaveBeenCalled();
  });

  it("counts a task's database failure toward the outage, and logs its other failures", () => {
    const database = new DatabaseAvailability();
    const task = { warn: jest.fn() };
    database.taskFailed(task, 'look-back failed', new DatabaseUnavailableError('no answer'));
    database.taskFailed(task, 'look-back failed', new DatabaseUnavailableError('no answer'));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(task.warn).not.toHaveBeenCalled();
    database.taskFailed(task, 'look-back failed', new Error('bad payload'));
    expect(task.warn).toHaveBeenCalledWith('look-back failed: bad payload');
  });
});
