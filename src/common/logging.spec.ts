import Fastify from 'fastify';
import { Writable } from 'node:stream';
import pino from 'pino';
import { logRequests } from './logging';

describe('request logging', () => {
  it('logs health checks and metrics scrapes at debug, other requests at info', async () => {
    const lines: { level: string; url: string }[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: string; url: string });
        done();
      },
    });
    const logger = pino(
      { level: 'debug', formatters: { level: (label) => ({ level: label }) } },
      out,
    );
    const app = Fastify();
    logRequests(app, logger);
    for (const path of ['/health', '/metrics', '/api/games']) app.get(path, () => 'ok');
    for (const path of ['/health', '/metrics', '/api/games']) await app.inject({ url: path });
    await app.close();
    expect(lines.map((l) => [l.url, l.level])).toEqual([
      ['/health', 'debug'],
      ['/metrics', 'debug'],
      ['/api/games', 'info'],
    ]);
  });
});
