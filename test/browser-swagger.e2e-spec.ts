import type { Browser } from 'puppeteer-core';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { launchBrowser, openPage } from './support/browser';
import { SwaggerUi } from './support/swagger-ui';

// A real browser loading Swagger UI and running a game night through it takes tens of seconds
// on a busy machine; each wait inside still ends on what the page shows.
jest.setTimeout(180_000);

/**
 * The admin's night in Swagger UI, in headless Chromium: the steps run in order on one page,
 * as an admin would run them.
 */
describe('Swagger UI in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let ui: SwaggerUi;
  let pageErrors: string[];
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchBrowser();
    const opened = await openPage(browser);
    pageErrors = opened.pageErrors;
    ui = new SwaggerUi(opened.page, `${t.url}/api/docs`);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows every operation with every reference resolved (no resolver error)', async () => {
    await ui.open();
    const errors = await ui.expandAllAndCollectErrors();
    expect(errors).toEqual({ shown: [], reported: [] });
  });

  it('logs in with the admin key from the login operation and shows the token', async () => {
    await ui.open();
    const login = await ui.execute('POST', '/api/auth/login', { body: { apiKey: ADMIN_KEY } });
    expect(login).toMatchObject({
      status: 200,
      body: { token: expect.any(String), message: 'Authentication successful', name: 'Admin' },
      requestUrl: `${t.url}/api/auth/login`,
    });
    token = login.body.token;
    // The shown token is one the API takes.
    expect((await t.request('POST', '/api/auth/verify', { token })).status).toBe(200);
  });

  it('is authorized with that token through the Authorize dialog, and stays so after a reload', async () => {
    expect(await ui.isAuthorized()).toBe(false);
    await ui.authorize(token);
    expect(await ui.isAuthorized()).toBe(true);
    await ui.reload();
    await ui.waitUntilAuthorized();
  });

  it('runs a night: opens a session, picks a game, adds it, votes for it now, and reads the vote back', async () => {
    const bearer = `Authorization: Bearer ${token}`;

    const session = await ui.execute('POST', '/api/sessions', {
      body: { notes: 'Browser night' },
    });
    expect(session).toMatchObject({
      status: 201,
      body: { id: expect.any(Number), notes: 'Browser night', is_active: true, games_played: 0 },
    });
    // Sent with the token restored after the reload.
    expect(session.curl).toContain(bearer);
    const sessionId: number = session.body.id;

    const pick = await ui.execute('POST', '/api/pick', { body: { sessionId } });
    expect(pick).toMatchObject({
      status: 200,
      body: {
        game: { id: expect.any(Number), title: expect.any(String) },
        poolSize: expect.any(Number),
      },
    });
    const game = pick.body.game as { id: number; title: string };

    const added = await ui.execute('POST', '/api/sessions/{id}/games', {
      params: { id: sessionId },
      body: { game_id: game.id },
    });
    expect(added).toMatchObject({
      status: 201,
      body: { session_id: sessionId, game_id: game.id, title: game.title, status: 'playing' },
      requestUrl: `${t.url}/api/sessions/${sessionId}/games`,
    });
    expect(added.curl).toContain(bearer);

    // A chat vote for the game now playing, at the current time (no ticker).
    const timestamp = new Date().toISOString();
    const vote = await ui.execute('POST', '/api/votes/live', {
      body: { username: 'BrowserViewer', vote: 'up', timestamp },
    });
    expect(vote).toMatchObject({
      status: 200,
      body: {
        success: true,
        session: { id: sessionId },
        game: { id: game.id, title: game.title },
        vote: { username: 'BrowserViewer', type: 'up', timestamp },
      },
    });
    expect(vote.curl).toContain(bearer);

    const votes = await ui.execute('GET', '/api/sessions/{id}/votes', {
      params: { id: sessionId },
    });
    expect(votes).toMatchObject({
      status: 200,
      body: {
        session_id: sessionId,
        votes: [{ game_id: game.id, upvotes: 1, downvotes: 0 }],
      },
      requestUrl: `${t.url}/api/sessions/${sessionId}/votes`,
    });
  });

  it('threw no script error on the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
