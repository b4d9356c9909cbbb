import {
  ArgumentsHost,
  BadRequestException,
  HttpException,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { DatabaseUnavailableError } from './database-errors';
import { HttpExceptionFilter } from './http-exception.filter';

function hostFor(bodyLimit?: number) {
  const reply = {
    statusCode: 0,
    payload: undefined as unknown,
    headers: {} as Record<string, string>,
    status(code: number) {
      this.statusCode = code;
      return this;
    },
    header(name: string, value: string) {
      this.headers[name] = value;
      return this;
    },
    send(body: unknown) {
      this.payload = body;
      return this;
    },
  };
  const request = {
    method: 'GET',
    url: '/api/x?y=1',
    id: 'req-1',
    routeOptions: { bodyLimit },
  };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ArgumentsHost;
  return { host, reply };
}

describe('HttpExceptionFilter', () => {
  const database = { failed: jest.fn() };
  const filter = new HttpExceptionFilter(database);
  const logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  beforeEach(() => {
    logError.mockClear();
    database.failed.mockClear();
  });

  it('answers an unexpected error with a bare 500 and logs it with the request id', () => {
    const { host, reply } = hostFor();
    filter.catch(new Error('undefined is not a function at Pool.query (pg/lib/pool.js:45)'), host);
    expect(reply.statusCode).toBe(500);
    expect(reply.payload).toEqual({ error: 'Internal server error' });
    expect(logError).toHaveBeenCalledWith(
      expect.objectContaining({ requestId: 'req-1' }),
      'unhandled error',
    );
  });

  it('logs no database parameters or row detail, which may hold secrets', () => {
    const { host } = hostFor();
    const driverError = Object.assign(new Error('null value in column "name"'), {
      code: '23502',
      detail: 'Failing row contains (1, whsec_topsecret)',
    });
    filter.catch(
      new QueryFailedError('UPDATE webhooks SET name = $2', ['whsec_topsecret', null], driverError),
      host,
    );
    const logged = JSON.stringify(logError.mock.calls.at(-1));
    expect(logged).toContain('23502');
    expect(logged).not.toContain('whsec_topsecret');
  });

  it('keeps the status and message of an HTTP exception', () => {
    const { host, reply } = hostFor();
    filter.catch(new BadRequestException('playerCount must be an integer number'), host);
    expect(reply.statusCode).toBe(400);
    expect(reply.payload).toEqual({ error: 'playerCount must be an integer number' });
  });

  it('names the route for an unknown route', () => {
    const { host, reply } = hostFor();
    filter.catch(new NotFoundException('Cannot GET /api/x?y=1'), host);
    expect(reply.payload).toEqual({ error: 'Route not found: GET /api/x' });
  });

  it("names the route's own body limit", () => {
    const { host, reply } = hostFor(10 * 1024 * 1024);
    filter.catch(
      Object.assign(new Error('raw'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }),
      host,
    );
    expect(reply.payload).toEqual({ error: 'Request body is too large (limit 10 MB)' });
  });

  it('names a limit under 1 MB in KB, also for the 413 Nest passes on as an HttpException', () => {
    const { host, reply } = hostFor(16 * 1024);
    filter.catch(new HttpException('Request body is too large', 413), host);
    expect(reply.statusCode).toBe(413);
    expect(reply.payload).toEqual({ error: 'Request body is too large (limit 16 KB)' });
  });

  it('maps a framework 4xx error by its code', () => {
    const { host, reply } = hostFor(1024 * 1024);
    filter.catch(
      Object.assign(new Error('raw'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }),
      host,
    );
    expect(reply.statusCode).toBe(413);
    expect(reply.payload).toEqual({ error: 'Request body is too large (limit 1 MB)' });
  });

  it.each([
    [
      'the server stopping',
      pgError('terminating connection due to administrator command', '57P01'),
    ],
    ['the server starting', pgError('the database system is starting up', '57P03')],
    ['too many connections', pgError('sorry, too many clients already', '53300')],
    ['our statement timeout', pgError('canceling statement due to statement timeout', '57014')],
    ['a connection exception', pgError('connection failure', '08006')],
    ['a refused connection', new DatabaseUnavailableError('no database connection: ECONNREFUSED')],
    ['a broken connection', new Error('Connection terminated unexpectedly')],
    ['no connection in time', new DatabaseUnavailableError('no database connection: timeout')],
  ])(
    'answers the database being unavailable (%s) with a 503 and Retry-After, logged once per outage',
    (_, error) => {
      const { host, reply } = hostFor();
      filter.catch(error, host);
      expect(reply.statusCode).toBe(503);
      expect(reply.headers['retry-after']).toBe('5');
      expect(reply.payload).toEqual({
        error: 'The database is unavailable right now; try again in a few seconds',
      });
      expect(database.failed).toHaveBeenCalledWith(error);
      expect(logError).not.toHaveBeenCalled();
    },
  );

  it.each([
    ['a query that failed for its own reasons', pgError('division by zero', '22012')],
    [
      "the client's own connection resetting",
      Object.assign(new Error('aborted'), { code: 'ECONNRESET', syscall: 'read' }),
    ],
  ])('answers %s with a 500, not a 503', (_, error) => {
    const { host, reply } = hostFor();
    filter.catch(error, host);
    expect(reply.statusCode).toBe(500);
    expect(database.failed).not.toHaveBeenCalled();
  });
});

function pgError(message: string, code: string): QueryFailedError {
  return new QueryFailedError('SELECT 1', [], Object.assign(new Error(message), { code }));
}
