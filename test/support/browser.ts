/// <reference lib="dom" />
// Functions passed to page.evaluate and friends run in the browser, on its DOM.
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Debian's `chromium` unless CHROMIUM_PATH names another Chromium or Chrome. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `No browser at ${path}: install Debian's chromium package, or set CHROMIUM_PATH`,
    );
  }
  return path;
}

/**
 * A headless Chromium. No sandbox: CI runs as root, where Chromium refuses to start with one.
 * The tests wait on what the page shows, never on time, so the waits' limit is only there to
 * turn a page that never gets there into a failure that names what was awaited.
 */
export async function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--headless=new', '--disable-dev-shm-usage'],
  });
}

export const PAGE_WAIT_MS = 60_000;

/** A new page that records the script errors the page throws. */
export async function openPage(browser: Browser): Promise<{ page: Page; pageErrors: string[] }> {
  const page = await browser.newPage();
  page.setDefaultTimeout(PAGE_WAIT_MS);
  await page.setViewport({ width: 1280, height: 1000 });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => {
    pageErrors.push(error instanceof Error ? error.message : String(error));
  });
  return { page, pageErrors };
}

/**
 * Waits until the page's rendered text holds every one of `texts`, and returns those still
 * missing when the wait gives up. Rendered text is every text node outside scripts, styles and
 * templates: a document embedded in a script tag is not on the page for a reader.
 */
export async function missingTexts(page: Page, texts: string[]): Promise<string[]> {
  // Runs in the page: with `all`, whether every text is there (for the wait), else what is not.
  const scan = (wanted: string[], all: boolean): boolean | string[] => {
    const hidden = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE']);
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const parts: string[] = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!hidden.has(node.parentElement?.tagName ?? '')) parts.push(node.textContent ?? '');
    }
    const rendered = parts.join(' ');
    const missing = wanted.filter((text) => !rendered.includes(text));
    return all ? missing.length === 0 : missing;
  };
  try {
    await page.waitForFunction(scan, {}, texts, true);
    return [];
  } catch {
    return (await page.evaluate(scan, texts, false)) as string[];
  }
}
