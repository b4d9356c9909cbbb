// bench/votes: POST /api/votes/live on the API against a bare node:http + pg baseline running
// the same SQL, at 10 and 50 connections, in the same run. Needs wrk (apt-get install wrk) and
// a PostgreSQL (BENCH_DATABASE_URL, default the local one on 5432).
// Usage: node bench/votes/run.js [seconds=10]
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
      // Alternate which goes first, so neither always runs on a warmer database.
      const order = connections === 10 ? ['api', 'baseline'] : ['baseline', 'api'];
      const result = {};
      for (const target of order) {
        const url =
          target === 'api' ? `${api.url}/api/votes/live` : 'http://127.0.0.1:5302/api/votes/live';
        result[target] = drive(target, url, connections, api.token, `r${Date.now()}`);
      }
      rows.push({ connections, ...result });
    }
    console.log(
      `\nPOST /api/votes/live, ${SECONDS} s per run, distinct usernames, one game (the hot row)\n`,
    );
    console.log('conns  target      req/s    p50 ms    p99 ms    errors');
    for (const { connections, api: a, baseline: b } of rows) {
      console.log(
        `${String(connections).padStart(5)}  api      ${fmt(a.rps)} ${fmt(a.p50, 2)} ${fmt(a.p99, 2)} ${String(a.errors).padStart(9)}`,
      );
      console.log(
        `${String(connections).padStart(5)}  baseline ${fmt(b.rps)} ${fmt(b.p50, 2)} ${fmt(b.p99, 2)} ${String(b.errors).padStart(9)}`,
      );
      console.log(
        `       ratio: throughput ${(a.rps / b.rps).toFixed(2)} (goal >= 0.85), p99 ${(a.p99 / b.p99).toFixed(2)} (goal <= 1.5)`,
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
