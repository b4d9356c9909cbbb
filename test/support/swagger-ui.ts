/// <reference lib="dom" />
// Functions passed to page.evaluate and friends run in the browser, on its DOM.
import type { Page } from 'puppeteer-core';

/** What Swagger UI's "Server response" panel shows after Execute. */
export interface UiResponse<T = any> {
  status: number;
  /** The response body, parsed when it is JSON. */
  body: T;
  text: string;
  requestUrl: string;
  /** The curl command Swagger UI shows for the request it sent. */
  curl: string;
}

export interface UiRequest {
  /** Path and query parameters by name, pasted into their fields. */
  params?: Record<string, string | number>;
  /** Pasted into the request body editor as JSON. */
  body?: unknown;
}

/** Swagger UI's own state (window.ui), for what its DOM does not show. */
interface SwaggerUiWindow {
  ui: {
    specSelectors: {
      specJson(): { toJS(): { paths: Record<string, Record<string, unknown>> } };
      specResolvedSubtree(path: string[]): unknown;
    };
    errSelectors: { allErrors(): { toJS(): { source?: string; message?: string }[] } };
  };
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Drives Swagger UI as an admin does: expand an operation, "Try it out", fill the fields,
 * Execute, read the response panel. Operations are found by the method and path the page
 * shows, not by their element ids (those follow the operation ids).
 */
export class SwaggerUi {
  constructor(
    readonly page: Page,
    readonly docsUrl: string,
  ) {}

  async open(): Promise<void> {
    await this.page.goto(this.docsUrl);
    await this.rendered();
  }

  async reload(): Promise<void> {
    await this.page.reload();
    await this.rendered();
  }

  /** Waits until the operations and the document's description are on the page. */
  private async rendered(): Promise<void> {
    await this.page.waitForSelector('.swagger-ui .opblock .opblock-summary-method');
    await this.page.waitForSelector('.swagger-ui .information-container .info .description');
  }

  /** A CSS selector for the operation block of METHOD path. */
  async operation(method: string, path: string): Promise<string> {
    const handle = await this.page.waitForFunction(
      (wantedMethod: string, wantedPath: string) => {
        const block = Array.from(document.querySelectorAll('.opblock')).find((element) => {
          const shownMethod = element.querySelector('.opblock-summary-method')?.textContent;
          const pathElement = element.querySelector('.opblock-summary-path');
          // The shown path carries zero-width spaces where it may wrap.
          const shownPath =
            pathElement?.getAttribute('data-path') ??
            pathElement?.textContent?.replace(/\u200b/g, '');
          return shownMethod?.trim() === wantedMethod && shownPath?.trim() === wantedPath;
        });
        return block ? `#${CSS.escape(block.id)}` : undefined;
      },
      {},
      method.toUpperCase(),
      path,
    );
    return (await handle.jsonValue()) as string;
  }

  /**
   * Opens an operation. A click that lands while the page is still wiring its handlers (right
   * after a reload, on a busy machine) does nothing, so it is repeated until the block is open.
   */
  async expand(operation: string): Promise<void> {
    await this.page.waitForFunction(
      (selector: string) => {
        const block = document.querySelector(selector);
        if (block?.classList.contains('is-open')) return true;
        block?.querySelector<HTMLElement>('.opblock-summary-control')?.click();
        return false;
      },
      { polling: 1_000 },
      operation,
    );
  }

  /**
   * Expands every operation (Swagger UI resolves each operation's references when it is first
   * shown), waits until all are resolved, and returns the errors it reports: both the error
   * panel's text and Swagger UI's own error list, so nothing hinges on when React paints.
   */
  async expandAllAndCollectErrors(): Promise<{ shown: string[]; reported: string[] }> {
    await this.page.$$eval('.opblock:not(.is-open) .opblock-summary-control', (buttons) => {
      for (const button of buttons) (button as HTMLElement).click();
    });
    await this.page.waitForFunction(
      (methods: string[]) => {
        const { ui } = window as unknown as SwaggerUiWindow;
        const paths = ui.specSelectors.specJson().toJS().paths;
        return Object.entries(paths).every(([path, item]) =>
          Object.keys(item)
            .filter((key) => methods.includes(key))
            .every((method) => ui.specSelectors.specResolvedSubtree(['paths', path, method])),
        );
      },
      {},
      HTTP_METHODS,
    );
    const reported = await this.page.evaluate(() =>
      (window as unknown as SwaggerUiWindow).ui.errSelectors
        .allErrors()
        .toJS()
        .map((error) => `${error.source ?? 'error'}: ${error.message ?? ''}`),
    );
    const shown = await this.page.$$eval('.errors-wrapper .error-wrapper', (elements) =>
      elements.map((element) => element.textContent ?? ''),
    );
    return { shown, reported };
  }

  /** Runs the operation from its "Try it out" form and reads the response panel. */
  async execute<T = any>(
    method: string,
    path: string,
    request: UiRequest = {},
  ): Promise<UiResponse<T>> {
    const operation = await this.operation(method, path);
    await this.expand(operation);
    await this.page.waitForSelector(`${operation} .try-out__btn`);
    if (!(await this.page.$(`${operation} .try-out__btn.cancel`))) {
      await this.page.click(`${operation} .try-out__btn`);
    }
    await this.page.waitForSelector(`${operation} .execute`);
    for (const [name, value] of Object.entries(request.params ?? {})) {
      const field = `${operation} tr[data-param-name="${name}"] input`;
      await this.paste(field, String(value));
      // The parameter fields hand their value on after a pause, or at once when they lose focus.
      await this.page.$eval(field, (input) => (input as HTMLInputElement).blur());
    }
    if (request.body !== undefined) {
      const editor = `${operation} textarea.body-param__text`;
      await this.paste(editor, JSON.stringify(request.body));
    }
    if (await this.page.$(`${operation} .btn-clear`)) {
      await this.page.click(`${operation} .btn-clear`);
      await this.page.waitForSelector(`${operation} .live-responses-table`, { hidden: true });
    }
    await this.page.click(`${operation} .execute`);
    const row = `${operation} .responses-wrapper .live-responses-table .response`;
    await this.page.waitForSelector(`${row} .response-col_status`);
    return this.page.$eval(
      `${operation} .responses-wrapper`,
      (panel, rowSelector: string) => {
        const text = (selector: string) => panel.querySelector(selector)?.textContent ?? '';
        const bodyText = text(`${rowSelector} .response-col_description .highlight-code pre`);
        let body: unknown = bodyText;
        try {
          body = bodyText ? JSON.parse(bodyText) : undefined;
        } catch {
          // not JSON: keep the text
        }
        return {
          status: Number(text(`${rowSelector} .response-col_status`).trim()),
          body,
          text: bodyText,
          requestUrl: text('.request-url pre').trim(),
          curl: text('.curl-command .curl'),
        } as UiResponse<T>;
      },
      '.live-responses-table .response',
    );
  }

  /**
   * Replaces a field's text as a paste does: select all, insert the text as one input event.
   * (Assigning the element's value would bypass React, which then keeps the old value.)
   */
  private async paste(selector: string, text: string): Promise<void> {
    await this.page.waitForSelector(selector, { visible: true });
    await this.page.$eval(selector, (field) => {
      const input = field as HTMLInputElement | HTMLTextAreaElement;
      input.focus();
      input.select();
    });
    await this.page.keyboard.sendCharacter(text);
    await this.page.waitForFunction(
      (wantedSelector: string, wanted: string) =>
        document.querySelector<HTMLInputElement>(wantedSelector)?.value === wanted,
      {},
      selector,
      text,
    );
  }

  async isAuthorized(): Promise<boolean> {
    return (await this.page.$('.btn.authorize.locked')) !== null;
  }

  /** Waits for the Authorize button to show its closed lock (restored tokens appear on load). */
  async waitUntilAuthorized(): Promise<void> {
    try {
      await this.page.waitForSelector('.btn.authorize.locked');
    } catch (error) {
      throw new Error(`Swagger UI shows no authorization: ${String(error)}`);
    }
  }

  /** Pastes the token into the Authorize dialog, applies it and closes the dialog. */
  async authorize(token: string): Promise<void> {
    await this.page.click('.btn.authorize');
    await this.paste('.modal-ux #auth-bearer-value', token);
    await this.page.click('.modal-ux .auth-btn-wrapper .modal-btn.authorize');
    // Once applied, the dialog offers "Logout" in place of "Authorize".
    await this.page.waitForFunction(() =>
      Array.from(document.querySelectorAll('.modal-ux .auth-btn-wrapper button')).some(
        (button) => button.textContent?.trim() === 'Logout',
      ),
    );
    await this.page.click('.modal-ux .auth-btn-wrapper .btn-done');
    await this.page.waitForSelector('.modal-ux', { hidden: true });
  }
}
