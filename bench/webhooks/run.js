// bench/webhooks: how fast one webhook's deliveries reach a receiver that answers at once,
// against a bare undici POST loop to the same receiver in the same run; then the lag of a
// `vote.received` webhook while votes arrive at a steady 200 a second; then the same across a
// `kill -9` of the API and its restart. Beside the burst, the API's own sending code alone (no
// database, no worker) in the same kind of loop: how far the send itself is from the bare loop.
// Usage: node bench/webhooks/run.js [deliveries=5000] [seconds of votes=15]
const path = require('node:path');
const { fork } = require('node:child_process');
const { Client } = require('pg');
const { request } = require('undici');
const {
  build,
  freshDatabase,
  dropDatabase,
  startApi,
  stop,
  sessionWithGame,
  ADMIN_URL,
} = require('../lib/servers');

const root = path.resolve(__dirname, '..', '..');
const DB = 'jbx_bench_webhooks';
const DELIVERIES = Number(process.argv[2] ?? 5000);
const VOTE_SECONDS = Number(process.argv[3] ?? 15);
const VOTES_PER_SECOND = 200;
/** Warm bursts, each against a bare loop. */
const ROUNDS = 5;
const RECEIVER_PORT = 5402;
const receiverUrl = `http://127.0.0.1:${RECEIVER_PORT}/hook`;

const ask = (child) =>
  new Promise((resolve) => {
    child.once('message', resolve);
    child.send({ cmd: 'stats' });
  });

async function waitFor(child, count, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await ask(child);
    if (stats.count >= count || Date.now() > deadline) return stats;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

/** Runs `post(i)` for i = 1..n, `concurrency` at once; answers the rate per second. */
async function postLoop(n, concurrency, post) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await post(++next);
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

/** The baseline: the same body POSTed `n` times by a bare undici loop, `concurrency` at once. */
function bareLoop(n, concurrency, body) {
  return postLoop(n, concurrency, async () => {
    const res = await request(receiverUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await res.body.dump();
  });
}

/**
 * The API's sender alone: each of `n` deliveries gets its body and signed headers made and is
 * POSTed by the worker's WebhookSender, `concurrency` at once, as the worker does, but with no
 * database and no worker around it (a built module, like the API it measures).
 */
function senderLoop(sender, n, concurrency, payload) {
  const { deliveryBody, deliveryHeaders } = require(
    path.join(root, 'dist/src/webhooks/webhook-signing'),
  );
  const createdAt = new Date();
  return postLoop(n, concurrency, async (deliveryId) => {
    const body = deliveryBody('vote.received', createdAt, payload);
    const headers = deliveryHeaders({
      deliveryId,
      eventType: 'vote.received',
      body,
      secret: 'bench-secret-123',
      now: new Date(),
    });
    const result = await sender.send(receiverUrl, headers, body);
    if (result.statusCode !== 200) {
      throw new Error(`sender alone: ${result.error ?? result.statusCode}`);
    }
  });
}

async function main() {
  build();
  const databaseUrl = await freshDatabase(ADMIN_URL, DB);
  const receiver = fork(path.join(__dirname, 'receiver.js'), {
    env: { ...process.env, PORT: String(RECEIVER_PORT) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise((r) => receiver.once('message', r));
  const api = await startApi({ databaseUrl, port: 5401 });
  let current = api;
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${api.token}` };
    const { session, game, post } = await sessionWithGame(api);
    await post('/api/webhooks', {
      name: 'bench',
      url: receiverUrl,
      secret: 'bench-secret-123',
      events: ['vote.received'],
    });

    // 1. Bursts: DELIVERIES events committed at once, timed until every delivery has arrived,
    // against the bare loop. The first burst after start-up runs on code V8 has not compiled
    // yet (the API's and the receiver's): it is reported, not compared. Then both sides, warm,
    // ROUNDS times, in alternating order so neither always goes first.
    const payload = JSON.stringify({
      sessionId: session.id,
      game: { id: game.id, title: game.title, pack_name: game.pack_name },
      vote: { username: 'burst', type: 'up', timestamp: new Date().toISOString() },
      totals: { upvotes: 1, downvotes: 0, popularity_score: 1 },
    });
    const apiBurst = async () => {
      receiver.send({ cmd: 'reset' });
      const startedAt = Date.now();
      await db.query(
        // Announced as the instance that wrote them would: on the events channel, at commit.
        `WITH written AS (
           INSERT INTO events (type, session_id, payload)
           SELECT 'vote.received', $1, $2::json FROM generate_series(1, $3) RETURNING id
         )
         SELECT pg_notify('jackbox_events', 'bench:' || string_agg(id::text, ',' ORDER BY id))
         FROM written GROUP BY id / 800`,
        [session.id, payload, DELIVERIES],
      );
      const arrived = await waitFor(receiver, DELIVERIES, 120_000);
      return { ...arrived, rate: DELIVERIES / ((arrived.last - startedAt) / 1000) };
    };
    const body = JSON.stringify({
      event: 'vote.received',
      timestamp: new Date().toISOString(),
      data: JSON.parse(payload),
    });
    const bare = () => {
      receiver.send({ cmd: 'reset' });
      return bareLoop(DELIVERIES, 16, body);
    };
    const { WebhookSender } = require(path.join(root, 'dist/src/webhooks/webhook-sender'));
    const sender = new WebhookSender({ allowPrivate: true, allowedHosts: [] }, 10_000, 16);
    const alone = () => {
      receiver.send({ cmd: 'reset' });
      return senderLoop(sender, DELIVERIES, 16, JSON.parse(payload));
    };
    const cold = await apiBurst();
    // Warms this process's undici and the sender's code as the API's first burst warmed the
    // API: run on its own, the bare loop kept getting faster over its first three passes.
    for (let i = 0; i < 3; i++) {
      await bare();
      await alone();
    }
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) {
      const round = {};
      const sides = ['api', 'bare', 'alone'];
      for (let k = 0; k < sides.length; k++) {
        const side = sides[(k + i) % sides.length]; // each side goes first once
        if (side === 'api') round.api = await apiBurst();
        else if (side === 'bare') round.bare = await bare();
        else round.alone = await alone();
      }
      rounds.push(round);
    }
    await sender.close();

    // 2. A steady chat: 200 votes a second through the API, each delivered to the webhook.
    console.error('bursts measured; steady chat...');
    receiver.send({ cmd: 'reset' });
    let sent = 0;
    const voting = new Promise((resolve) => {
      const timer = setInterval(() => {
        for (let i = 0; i < VOTES_PER_SECOND / 50; i++) {
          sent++;
          void fetch(`${api.url}/api/votes/live`, {
            method: 'POST',
            headers,
            body: JSON.stringify({
              username: `chat-${sent}`,
              vote: 'up',
              timestamp: new Date().toISOString(),
            }),
          });
        }
        if (sent >= VOTES_PER_SECOND * VOTE_SECONDS) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    await voting;
    const lastVote = Date.now();
    const steady = await waitFor(receiver, sent, 60_000);
    const stored = Number(
      (
        await db.query(
          `SELECT count(*) FROM events WHERE type = 'vote.received' AND payload->'vote'->>'username' LIKE 'chat-%'`,
        )
      ).rows[0].count,
    );

    // 3. The same chat across a kill -9 of the API a third of the way in, restarted at once.
    console.error('steady chat measured; the same across a kill -9...');
    receiver.send({ cmd: 'reset' });
    const acknowledged = new Set();
    let killedAt = 0;
    let restartedAt = 0;
    let restarting;
    let n = 0;
    const sending = [];
    const crashVote = async (username) => {
      try {
        const res = await fetch(`${current.url}/api/votes/live`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${current.token}` },
          body: JSON.stringify({ username, vote: 'up', timestamp: new Date().toISOString() }),
          // An answer that never comes (a request caught in the crash) is no acknowledgement.
          signal: AbortSignal.timeout(10_000),
        });
        if (res.status === 200) acknowledged.add(username);
      } catch {
        // the API is down: not acknowledged, so not owed
      }
    };
    await new Promise((resolve) => {
      const timer = setInterval(() => {
        for (let i = 0; i < VOTES_PER_SECOND / 50; i++) sending.push(crashVote(`crash-${++n}`));
        if (!killedAt && n >= (VOTES_PER_SECOND * VOTE_SECONDS) / 3) {
          killedAt = Date.now();
          current.child.kill('SIGKILL');
          restarting = startApi({ databaseUrl, port: 5401 }).then((restarted) => {
            current = restarted;
            restartedAt = Date.now();
          });
        }
        if (n >= VOTES_PER_SECOND * VOTE_SECONDS) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    const crashEnd = Date.now();
    await Promise.all(sending); // every answer in, so `acknowledged` is final
    // Up before anything is reported or stopped: a short chat can end before the restart does.
    await restarting;
    // Redeliveries count in `count`, so wait for every acknowledged voter by name.
    const deadline = Date.now() + 90_000;
    let crash = await ask(receiver);
    while (Date.now() < deadline && [...acknowledged].some((u) => !crash.voters.includes(u))) {
      await new Promise((r) => setTimeout(r, 50));
      crash = await ask(receiver);
    }
    const arrived = new Set(crash.voters);
    const missingVoters = [...acknowledged].filter((u) => !arrived.has(u));
    const missing = missingVoters.length;
    if (missing && process.env.KEEP_DB) console.log('missing', missingVoters);

    const arrival = (b) =>
      `${b.count >= DELIVERIES ? 'all arrived' : `NOT all arrived: ${b.count}`}, ${b.unique} distinct`;
    console.log(
      `\nOne webhook, a receiver that answers at once (${DELIVERIES} deliveries a burst)\n`,
    );
    console.log(
      `  first burst after start-up ${cold.rate.toFixed(0).padStart(6)} deliveries/s (${arrival(cold)})`,
    );
    rounds.forEach((r, i) =>
      console.log(
        `  warm round ${i + 1}: API ${r.api.rate.toFixed(0).padStart(6)} deliveries/s (${arrival(r.api)}), bare undici ${r.bare.toFixed(0).padStart(6)} requests/s (16 at once), ratio ${(r.api.rate / r.bare).toFixed(2)}; the API's sender alone ${r.alone.toFixed(0).padStart(6)}/s (${(r.alone / r.bare).toFixed(2)})`,
      ),
    );
    const ratios = rounds.map((r) => r.api.rate / r.bare);
    console.log(
      `  ratio, median of ${ROUNDS} ${percentile(ratios, 50).toFixed(2)} (goal >= 0.5); slowest burst ${Math.min(cold.rate, ...rounds.map((r) => r.api.rate)).toFixed(0)}/s (goal >= 1000)`,
    );
    console.log(
      `  the sender alone against the bare loop, median ${percentile(
        rounds.map((r) => r.alone / r.bare),
        50,
      ).toFixed(2)}: the ceiling of the ratio with no database work at all`,
    );
    console.log(`\n${VOTES_PER_SECOND} votes/s for ${VOTE_SECONDS} s, one vote.received webhook\n`);
    console.log(`  votes stored ${stored}, deliveries ${steady.count} (${steady.unique} distinct)`);
    console.log(
      `  lag from event to arrival: p50 ${percentile(steady.lags, 50)} ms, p99 ${percentile(steady.lags, 99)} ms, max ${Math.max(...steady.lags)} ms (goal p99 <= 1000)`,
    );
    console.log(
      `  backlog drained ${Math.max(0, steady.last - lastVote)} ms after the last vote (goal <= 5000)`,
    );
    console.log(
      `\nThe same across a kill -9 of the API (restarted ${restartedAt - killedAt} ms after)\n`,
    );
    console.log(
      `  votes acknowledged ${acknowledged.size}, their deliveries missing ${missing}, delivered twice ${crash.twice}`,
    );
    console.log(
      `  lag p50 ${percentile(crash.lags, 50)} ms, p99 ${percentile(crash.lags, 99)} ms, max ${Math.max(...crash.lags)} ms (goal p99 <= 1000)`,
    );
    console.log(
      `  backlog drained ${Math.max(0, crash.last - crashEnd)} ms after the last vote (goal <= 5000)`,
    );
  } finally {
    await db.end();
    await stop(api.child);
    await stop(current?.child);
    receiver.kill();
    if (!process.env.KEEP_DB) await dropDatabase(ADMIN_URL, DB);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
