import type { Browser, Page } from 'puppeteer-core';
import { EVENT_TYPES } from '../src/events/event-types';
import { startTestApp, type TestApp } from './support/app';
import { launchBrowser, missingTexts, openPage } from './support/browser';
import { SwaggerUi } from './support/swagger-ui';

// A real browser rendering a whole API document takes a while on a busy machine; each wait
// inside still ends on what the page shows.
jest.setTimeout(180_000);

describe('the AsyncAPI page in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];
  /** Every address the page loaded: the renderer is served by the API itself, no CDN. */
  const requested: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchBrowser();
    ({ page, pageErrors } = await openPage(browser));
    page.on('request', (request) => requested.push(request.url()));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('is linked from the Swagger UI description and renders every event of the registry', async () => {
    await new SwaggerUi(page, `${t.url}/api/docs`).open();
    const links = await page.$$eval('.information-container .info .description a', (anchors) =>
      anchors.map((anchor) => anchor.href),
    );
    // The rendered page, not the JSON document it renders.
    const pageLink = links.find((href) => /asyncapi(?!\.json)/i.test(new URL(href).pathname));
    expect({ links, pageLink }).toEqual({ links, pageLink: expect.any(String) });

    await page.goto(pageLink!);
    expect(await missingTexts(page, EVENT_TYPES)).toEqual([]);
    expect(pageErrors).toEqual([]);
    const elsewhere = requested.filter(
      (url) => !url.startsWith(`${t.url}/`) && !/^(data|blob):/.test(url),
    );
    expect(elsewhere).toEqual([]);
  });
});
