#!/usr/bin/env node
// @ts-check
/**
 * The reference chat bot: chat lines on stdin become live votes, the active session's events
 * become chat messages on stdout, and (with a secret) signed webhooks are verified and
 * announced too. Logs go to stderr. See README.md beside this file.
 */
import { createInterface } from 'node:readline';
import { createApiClient, unwrap } from '../../clients/typescript/index.mjs';
import { announcement } from './announce.mjs';
import { parseChatLine, voteIn } from './chat.mjs';
import { followLiveEvents } from './live.mjs';
import { EventPosition } from './state.mjs';
import { createVoteSender } from './votes.mjs';
import { startWebhookReceiver } from './webhooks.mjs';

const env = process.env;
const config = {
  apiUrl: env.JACKBOX_URL ?? 'http://localhost:5000',
  adminKey: env.JACKBOX_ADMIN_KEY,
  token: env.JACKBOX_TOKEN,
  stateFile: env.BOT_STATE_FILE ?? 'jackbox-bot-state.json',
  websocket: env.BOT_WEBSOCKET !== 'off',
  reconnectMaxMs: Number(env.BOT_RECONNECT_MAX_MS ?? 30_000),
  silenceMs: Number(env.BOT_SILENCE_TIMEOUT_MS ?? 75_000),
  webhookSecret: env.BOT_WEBHOOK_SECRET,
  webhookHost: env.BOT_WEBHOOK_HOST ?? '127.0.0.1',
  webhookPort: Number(env.BOT_WEBHOOK_PORT ?? 3001),
  webhookToleranceSeconds: Number(env.BOT_WEBHOOK_TOLERANCE_SECONDS ?? 300),
};

/** @param {string} line */
const log = (line) => process.stderr.write(`[bot] ${line}\n`);
/** What the bot would post to its chat room. @param {string} message */
const say = (message) => process.stdout.write(`${message}\n`);

/** @param {string} reason */
function fail(reason) {
  log(`stopping: ${reason}`);
  process.exit(1);
}

async function main() {
  if (!config.adminKey && !config.token) fail('set JACKBOX_ADMIN_KEY (or JACKBOX_TOKEN)');
  const jackbox = createApiClient({ baseUrl: config.apiUrl, token: config.token });
  const adminKey = config.adminKey;
  const relogin = adminKey ? () => jackbox.login(adminKey) : undefined;
  if (!config.token && relogin) {
    const session = await relogin();
    log(`logged in as ${session.name} (token valid ${session.expiresIn})`);
  }

  // The catalog's tickers, so `FIB4++` counts and `lol++` does not. Read again whenever a game
  // is added (it may come from a pack imported since) and every ten minutes.
  /** @type {Set<string>} */
  const tickers = new Set();
  const readTickers = async () => {
    const games = unwrap(await jackbox.api.GET('/api/games'));
    tickers.clear();
    for (const game of games) if (game.ticker) tickers.add(game.ticker.toUpperCase());
  };
  const refreshTickers = () =>
    readTickers().then(
      () => log(`${tickers.size} tickers known`),
      (/** @type {Error} */ error) =>
        log(`tickers not refreshed (the old ones stay): ${error.message}`),
    );
  await readTickers();
  log(`${tickers.size} tickers known`);
  const tickerTimer = setInterval(() => void refreshTickers(), 10 * 60_000);
  tickerTimer.unref();

  const votes = createVoteSender({ client: jackbox, relogin, log });
  /** @type {(() => unknown)[]} */
  const stops = [];

  if (config.websocket) {
    const live = followLiveEvents({
      baseUrl: config.apiUrl,
      client: jackbox,
      relogin,
      position: new EventPosition(config.stateFile),
      reconnectMaxMs: config.reconnectMaxMs,
      silenceMs: config.silenceMs,
      log,
      onFatal: fail,
      onEvent: (event) => {
        log(`event ${event.id} ${event.type} via websocket`);
        if (event.type === 'game.added') void refreshTickers();
        const message = announcement(event);
        if (message) say(message);
      },
    });
    stops.push(() => live.stop());
  }

  if (config.webhookSecret) {
    const receiver = await startWebhookReceiver({
      host: config.webhookHost,
      port: config.webhookPort,
      secret: config.webhookSecret,
      toleranceSeconds: config.webhookToleranceSeconds,
      log,
      onDelivery: (delivery) => {
        if (delivery.test) return log(`test delivery ${delivery.id} (${delivery.event}) verified`);
        log(`webhook ${delivery.id} ${delivery.event}`);
        if (delivery.event === 'game.added') void refreshTickers();
        const message = announcement({ type: delivery.event, data: delivery.data });
        if (message) say(message);
      },
    });
    log(`webhook receiver listening on ${receiver.url}`);
    stops.push(() => receiver.close());
  }

  // The chat: one message per line on stdin. Any other source can call the same two functions.
  createInterface({ input: process.stdin }).on('line', (text) => {
    const line = parseChatLine(text);
    const vote = line && voteIn(line.message, tickers);
    if (line && vote) void votes.send(line, vote);
  });

  const shutdown = () => {
    log('stopping');
    void Promise.all(stops.map((stop) => stop())).then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((/** @type {Error} */ error) => fail(error.message));
