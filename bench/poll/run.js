// bench/poll: POST /api/sessions/:id/poll/votes against POST /api/votes/live on the same API,
// at 10 and 50 connections, in the same run: a poll vote should cost no more than a live vote.
// Needs wrk (apt-get install wrk) and a PostgreSQL (BENCH_DATABASE_URL, default the local one
// on 5432).
// Usage: node bench/poll/run.js [seconds=10]
const path = require('node:path');
const { Client } = require('pg');
const { requireWrk, runWrk } = require('../lib/wrk');
const {
  build,
  freshDatabase,
  dropDatabase,
  startApi,
  stop,
  sessionWithGame,
  ADMIN_URL,
} = require('../lib/servers');

const DB = 'jbx_bench_poll';
const SECONDS = Number(process.argv[2] ?? 10);
const CONNECTIONS = [10, 50];
const VIEWERS = 2000;

/** A session playing a game (for live votes) with a poll open on it (drawn options). */
async function prepare(api) {
  const { session, post } = await sessionWithGame(api);
  const poll = await post(`/api/sessions/${session.id}/voting/start`, {});
  return { sessionId: session.id, options: poll.options.length };
}

function drive(kind, api, session, connections, label) {
  const prefix = `${label}-${kind}-${connections}`;
  const common = { TOKEN: api.token, VOTE_TIMESTAMP: new Date().toISOString() };
  const run = (seconds, env) =>
    kind === 'live'
      ? runWrk({
          url: `${api.url}/api/votes/live`,
          connections,
          seconds,
          script: path.join(__dirname, '..', 'votes', 'vote.lua'),
          env: { ...common, ...env },
        })
      : runWrk({
          url: `${api.url}/api/sessions/${session.sessionId}/poll/votes`,
          connections,
          seconds,
          script: path.join(__dirname, 'poll-vote.lua'),
          env: { ...common, VIEWERS: String(VIEWERS), OPTIONS: String(session.options), ...env },
        });
  run(2, { VOTE_PREFIX: `${prefix}-warmup` });
  return run(SECONDS, { VOTE_PREFIX: prefix });
}

const fmt = (n, digits = 1) => n.toFixed(digits).padStart(9);

async function leadingPace(databaseUrl, sessionId) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query(
    `SELECT count(*)::int AS n, extract(epoch FROM max(created_at) - min(created_at))::float AS span,
            (SELECT count(*)::int FROM poll_votes) AS viewers
     FROM events WHERE session_id = $1 AND type = 'poll.leading'`,
    [sessionId],
  );
  await client.end();
  return rows[0];
}

async function main() {
  requireWrk();
  build();
  const databaseUrl = await freshDatabase(ADMIN_URL, DB);
  const poolSize = process.env.DB_VOTE_POOL_SIZE ?? '8';
  const api = await startApi({ databaseUrl, port: 5311, env: { DB_VOTE_POOL_SIZE: poolSize } });
  try {
    const session = await prepare(api);
    const rows = [];
    for (const connections of CONNECTIONS) {
      // Alternate which goes first, so neither always runs on a warmer database.
      const order = connections === 10 ? ['live', 'poll'] : ['poll', 'live'];
      const result = {};
      for (const kind of order) {
        result[kind] = drive(kind, api, session, connections, `r${Date.now()}`);
      }
      rows.push({ connections, ...result });
    }
    console.log(
      `\nPoll votes against live votes on the same API, ${SECONDS} s per run ` +
        `(poll: ${VIEWERS} viewers per thread changing their minds; live: distinct usernames, one game)\n`,
    );
    console.log('conns  route       req/s    p50 ms    p99 ms    errors');
    for (const { connections, live, poll } of rows) {
      for (const [name, r] of [
        ['poll', poll],
        ['live', live],
      ]) {
        console.log(
          `${String(connections).padStart(5)}  ${name.padEnd(8)} ${fmt(r.rps)} ${fmt(r.p50, 2)} ${fmt(r.p99, 2)} ${String(r.errors).padStart(9)}`,
        );
      }
      console.log(
        `       poll/live: throughput ${(poll.rps / live.rps).toFixed(2)} (goal >= 1), p99 ${(poll.p99 / live.p99).toFixed(2)} (goal <= 1)`,
      );
    }
    const pace = await leadingPace(databaseUrl, session.sessionId);
    console.log(
      `\npoll.leading: ${pace.n} events over ${pace.span.toFixed(1)} s ` +
        `(${(pace.n / Math.max(pace.span, 1e-9)).toFixed(2)}/s, at most 4/s); ${pace.viewers} viewers voted`,
    );
  } finally {
    await stop(api.child);
    await dropDatabase(ADMIN_URL, DB);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
