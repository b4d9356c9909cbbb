import { DataSource } from 'typeorm';
import { handleVote } from './guide/handle-vote';
import { startTestApp, type TestApp } from './support/app';

describe("the bot guide's voting example", () => {
  let t: TestApp;
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    t = await startTestApp();
    const token = await t.login();
    process.env.JWT_TOKEN = token;
    // The guide's placeholder host is the only thing that differs: route it to the test server.
    globalThis.fetch = (url: string | URL | Request, init?: RequestInit) =>
      realFetch(
        (url instanceof Request ? url.url : url.toString()).replace('http://your-api-url', t.url),
        init,
      );
    const session = await t.request('POST', '/api/sessions', { token, body: {} });
    const [game] = await t.app
      .get(DataSource)
      .query(`SELECT id FROM games WHERE title = 'Fibbage 4'`);
    await t.request('POST', `/api/sessions/${session.body.id}/games`, {
      token,
      body: { game_id: game.id },
    });
  });
  afterAll(async () => {
    globalThis.fetch = realFetch;
    delete process.env.JWT_TOKEN;
    await t.close();
  });

  it('records votes and reports duplicates exactly as the guide shows', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await handleVote('TestUser', 'wow thisgame++');
    await handleVote('OtherUser', 'thisgame-- nope');
    await handleVote('TestUser', 'thisgame++ again'); // within a second of the first
    await handleVote('Lurker', 'just chatting');
    expect(log.mock.calls).toEqual([
      ['Vote recorded for Fibbage 4: 1👍 0👎'],
      ['Vote recorded for Fibbage 4: 1👍 1👎'],
    ]);
    expect(error.mock.calls).toEqual([
      ['Vote failed:', expect.stringMatching(/^Duplicate vote: TestUser/)],
    ]);
    log.mockRestore();
    error.mockRestore();
  });
});
