// bench/votes: POST /api/votes/live on the API against a bare node:http + pg baseline running
// the same SQL, at 10 and 50 connections, in the same run. Needs wrk (apt-get install wrk) and
// a PostgreSQL (BENCH_DATABASE_URL, default the local one on 5432).
// Usage: node bench/votes/run.js [seconds=10] [rounds=3]
const path = require('node:path');
const { requireWrk, runWrk } = require('../lib/wrk');
const {
  build,
  freshDatabase,
  dropDatabase,
  startApi,
  startScript,
  stop,
  sessionWithGame,
  ADMIN_URL,
} = require('../lib/servers');

const DB = 'jbx_bench_votes';
// The baseline gets a database of its own, prepared the same way: on a shared one, the API's
// relay would read and publish the baseline's events while the baseline is measured.
const BASELINE_DB = 'jbx_bench_votes_baseline';
const SECONDS = Number(process.argv[2] ?? 10);
const CONNECTIONS = [10, 50];
/**
 * Rounds of the API and the baseline, one after the other, per connection count: the machine's
 * speed drifts by a fifth from one minute to the next, so one pair of runs can land either way;
 * the median of the rounds' ratios is the figure.
 */
const ROUNDS = Number(process.argv[3] ?? 3);

function drive(target, url, connections, token, label) {
  const env = {
    TOKEN: token,
    VOTE_PREFIX: `${label}-${target}-${connections}`,
    VOTE_TIMESTAMP: new Date().toISOString(),
  };
  const script = path.join(__dirname, 'vote.lua');
  runWrk({
    url,
    connections,
    seconds: 2,
    script,
    env: { ...env, VOTE_PREFIX: `${env.VOTE_PREFIX}-warmup` },
  });
  return runWrk({ url, connections, seconds: SECONDS, script, env });
}

const fmt = (n, digits = 1) => n.toFixed(digits).padStart(9);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  requireWrk();
  build();
  const databaseUrl = await freshDatabase(ADMIN_URL, DB);
  const baselineUrl = await freshDatabase(ADMIN_URL, BASELINE_DB);
  const poolSize = process.env.DB_VOTE_POOL_SIZE ?? '8';
  const preparer = await startApi({ databaseUrl: baselineUrl, port: 5301 });
  await sessionWithGame(preparer);
  await stop(preparer.child);
  const api = await startApi({ databaseUrl, port: 5301, env: { DB_VOTE_POOL_SIZE: poolSize } });
  let baseline;
  try {
    await sessionWithGame(api);
    baseline = await startScript(path.join(__dirname, 'baseline.js'), {
      DATABASE_URL: baselineUrl,
      PORT: '5302',
      DB_VOTE_POOL_SIZE: poolSize,
    });
    const rows = [];
    for (const connections of CONNECTIONS) {
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which goes first, so neither always runs on a warmer database.
        const order = (round + connections) % 2 === 0 ? ['api', 'baseline'] : ['baseline', 'api'];
        const result = {};
        for (const target of order) {
          const url =
            target === 'api' ? `${api.url}/api/votes/live` : 'http://127.0.0.1:5302/api/votes/live';
          result[target] = drive(target, url, connections, api.token, `r${Date.now()}`);
        }
        rows.push({ connections, round, ...result });
      }
    }
    console.log(
      `\nPOST /api/votes/live, ${SECONDS} s per run, ${ROUNDS} rounds of the API and the baseline one after the other, distinct usernames, one game (the hot row)\n`,
    );
    console.log('conns  round  target      req/s    p50 ms    p99 ms    errors');
    const line = (r, target, m) =>
      `${String(r.connections).padStart(5)}  ${String(r.round + 1).padStart(5)}  ${target.padEnd(8)} ${fmt(m.rps)} ${fmt(m.p50, 2)} ${fmt(m.p99, 2)} ${String(m.errors).padStart(9)}`;
    for (const connections of CONNECTIONS) {
      const mine = rows.filter((r) => r.connections === connections);
      for (const r of mine) {
        console.log(line(r, 'api', r.api));
        console.log(line(r, 'baseline', r.baseline));
      }
      const share = mine.map((r) => r.api.rps / r.baseline.rps);
      const p99 = mine.map((r) => r.api.p99 / r.baseline.p99);
      console.log(
        `       ratio per round: throughput ${share.map((x) => x.toFixed(2)).join(' ')}, p99 ${p99.map((x) => x.toFixed(2)).join(' ')}`,
      );
      console.log(
        `       median: throughput ${median(share).toFixed(2)} (goal >= 0.85), p99 ${median(p99).toFixed(2)} (goal <= 1.5); API errors ${mine.reduce((n, r) => n + r.api.errors, 0)}`,
      );
    }
  } finally {
    await stop(baseline);
    await stop(api.child);
    await dropDatabase(ADMIN_URL, DB);
    await dropDatabase(ADMIN_URL, BASELINE_DB);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
