// @ts-check
/** @typedef {import('../../clients/typescript/index.mjs').ApiClient} ApiClient */
/** @typedef {import('./chat.mjs').ChatLine} ChatLine */
/** @typedef {import('./chat.mjs').ChatVote} ChatVote */

/** How often a vote answered 503 (database unavailable) is sent again before giving up. */
const RETRIES_WHILE_UNAVAILABLE = 3;

/**
 * Sends chat votes to POST /api/votes/live, one at a time, in the order they were said, with the
 * chat message's own time (the server gives the vote to the game played at that time).
 * @param {{ client: ApiClient, relogin: (() => Promise<unknown>) | undefined, log: (line: string) => void }} options
 */
export function createVoteSender({ client, relogin, log }) {
  let queue = Promise.resolve();

  /**
   * @param {ChatLine} line
   * @param {ChatVote} vote
   */
  async function record(line, vote) {
    const body = {
      username: line.username,
      vote: vote.vote,
      timestamp: line.timestamp,
      ...(vote.ticker ? { ticker: vote.ticker } : {}),
    };
    const what = `${line.username} ${vote.ticker ?? 'thisgame'}${vote.vote === 'up' ? '++' : '--'}`;
    for (let attempt = 0; ; attempt++) {
      const { data, error, response } = await client.api.POST('/api/votes/live', { body });
      if (data) {
        log(
          `vote recorded: ${what} -> ${data.game.title} (${data.game.upvotes} up, ${data.game.downvotes} down)`,
        );
        return;
      }
      const message =
        error && typeof error === 'object' && 'error' in error
          ? String(error.error)
          : response.statusText;
      // An expired token: log in again (with the admin key) and send the vote once more.
      if (response.status === 401 && relogin && attempt === 0) {
        await relogin();
        continue;
      }
      // The database is away for a moment: the vote can be sent again as it is (a repeat of one
      // that was in fact recorded is refused as a duplicate, 409).
      if (response.status === 503 && attempt < RETRIES_WHILE_UNAVAILABLE) {
        const seconds = Number(response.headers.get('retry-after')) || 5;
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        continue;
      }
      // 400 bad vote, 404 nothing to vote for (no session, no game at that time, unknown
      // ticker), 409 the same user within a second: the server's message says which.
      log(`vote refused (${response.status}): ${what}: ${message}`);
      return;
    }
  }

  return {
    /**
     * Queues a vote; the promise settles once it was answered.
     * @param {ChatLine} line
     * @param {ChatVote} vote
     */
    send(line, vote) {
      const sent = queue.then(() => record(line, vote));
      queue = sent.catch((/** @type {Error} */ failure) =>
        log(`vote not sent: ${failure.message}`),
      );
      return queue;
    },
    /** Settles once every queued vote was answered. */
    drained: () => queue,
  };
}
