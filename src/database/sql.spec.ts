import { prepared, preparedName, retryOnDeadlock } from './sql';

const failing = (code: string, times: number) => {
  let calls = 0;
  const work = jest.fn(() => {
    calls++;
    if (calls <= times) return Promise.reject(Object.assign(new Error(code), { code }));
    return Promise.resolve('done');
  });
  return work;
};

describe('retryOnDeadlock', () => {
  it('repeats work that PostgreSQL failed to break a deadlock', async () => {
    const work = failing('40P01', 2);
    await expect(retryOnDeadlock(work)).resolves.toBe('done');
    expect(work).toHaveBeenCalledTimes(3);
  });

  it('reads the code TypeORM wraps in driverError', async () => {
    let calls = 0;
    const work = () =>
      ++calls === 1
        ? Promise.reject(Object.assign(new Error('wrapped'), { driverError: { code: '40P01' } }))
        : Promise.resolve(calls);
    await expect(retryOnDeadlock(work)).resolves.toBe(2);
  });

  it('gives up after the given attempts, with the last error', async () => {
    const work = failing('40P01', 10);
    await expect(retryOnDeadlock(work, 3)).rejects.toThrow('40P01');
    expect(work).toHaveBeenCalledTimes(3);
  });

  it('never repeats any other failure', async () => {
    const work = failing('23505', 1);
    await expect(retryOnDeadlock(work)).rejects.toThrow('23505');
    expect(work).toHaveBeenCalledTimes(1);
  });
});

describe('prepared', () => {
  it('names a statement by its text, and only the statements marked', () => {
    const text = prepared('sql-spec-statement', 'SELECT $1::int AS n');
    expect(text).toBe('SELECT $1::int AS n');
    expect(preparedName(text)).toBe('sql-spec-statement');
    expect(preparedName('SELECT $1::int AS m')).toBeUndefined();
  });

  it('refuses a second statement under a name already taken', () => {
    prepared('sql-spec-taken', 'SELECT 1');
    expect(() => prepared('sql-spec-taken', 'SELECT 2')).toThrow('two statements named');
    expect(prepared('sql-spec-taken', 'SELECT 1')).toBe('SELECT 1');
  });
});
