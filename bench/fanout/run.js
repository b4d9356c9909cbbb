// bench/fanout: N subscribed WebSocket clients (in two client processes); add a game and
// measure when each client has the game.added event; the same broadcast from a bare `ws`
// server is measured in the same run as the baseline.
// Usage: node bench/fanout/run.js [rounds=20] [sizes=1000,10000]
const { fork } = require('node:child_process');
const path = require('node:path');
const {
  build,
  freshDatabase,
  dropDatabase,
  startApi,
  startScript,
  stop,
  ADMIN_URL,
} = require('../lib/servers');

const DB = 'jbx_bench_fanout';
const ROUNDS = Number(process.argv[2] ?? 20);
const SIZES = (process.argv[3] ?? '1000,10000').split(',').map(Number);
const CLIENT_PROCESSES = 2;
const now = () => performance.timeOrigin + performance.now();

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Starts the client processes and resolves once every client is connected (and subscribed). */
async function startClients(env, total) {
  const per = Math.ceil(total / CLIENT_PROCESSES);
  const procs = Array.from({ length: CLIENT_PROCESSES }, () =>
    fork(path.join(__dirname, 'clients.js'), {
      env: { ...process.env, ...env, COUNT: String(per) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  for (const p of procs) p.exited = new Promise((resolve) => p.once('exit', resolve));
  await Promise.all(
    procs.map(
      (p) =>
        new Promise((resolve, reject) => {
          p.on('message', (m) => m.type === 'ready' && resolve());
          p.once('exit', (code) => reject(new Error(`client process exited with ${code}`)));
        }),
    ),
  );
  return procs;
}

function roundDone(procs, round) {
  return Promise.all(
    procs.map(
      (p) =>
        new Promise((resolve) => {
          const onMessage = (m) => {
            if (m.type === 'round' && m.round === round) {
              p.off('message', onMessage);
              resolve();
            }
          };
          p.on('message', onMessage);
        }),
    ),
  );
}

async function collect(procs, starts) {
  const reports = await Promise.all(
    procs.map(
      (p) =>
        new Promise((resolve) => {
          p.on('message', (m) => m.type === 'report' && resolve(m.rounds));
          p.send({ type: 'report' });
        }),
    ),
  );
  const all = [];
  const last = [];
  starts.forEach((start, k) => {
    const times = reports.flatMap((rounds) => rounds[k]).map((t) => t - start);
    all.push(...times);
    last.push(Math.max(...times));
  });
  return {
    p50: percentile(all, 50),
    p95: percentile(all, 95),
    lastP50: percentile(last, 50),
    lastP95: percentile(last, 95),
  };
}

async function measure(size, trigger, clientEnv) {
  const procs = await startClients(clientEnv, size);
  console.error(`  ${clientEnv.MODE}: ${size} clients connected`);
  const starts = [];
  for (let k = 0; k < ROUNDS; k++) {
    const done = roundDone(procs, k);
    starts.push(now());
    await trigger(k);
    await Promise.race([
      done,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`round ${k} incomplete after 30 s`)), 30_000),
      ),
    ]);
    await new Promise((r) => setTimeout(r, 100));
  }
  const result = await collect(procs, starts);
  await Promise.all(procs.map((p) => p.exited));
  return result;
}

async function main() {
  build();
  const databaseUrl = await freshDatabase(ADMIN_URL, DB);
  const api = await startApi({ databaseUrl, port: 5311 });
  const bare = await startScript(path.join(__dirname, 'bare-server.js'), { PORT: '5312' });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${api.token}` };
  try {
    const games = await (await fetch(`${api.url}/api/games`)).json();
    const rows = [];
    for (const size of SIZES) {
      const session = await (
        await fetch(`${api.url}/api/sessions`, { method: 'POST', headers, body: '{}' })
      ).json();
      const apiResult = await measure(
        size,
        async (k) => {
          const res = await fetch(`${api.url}/api/sessions/${session.id}/games`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ game_id: games[k % games.length].id }),
          });
          if (res.status !== 201) throw new Error(`add game: ${res.status}`);
        },
        {
          URL_WS: `ws://127.0.0.1:5311/api/sessions/live`,
          TOKEN: api.token,
          SESSION_ID: String(session.id),
          MODE: 'api',
        },
      );
      await fetch(`${api.url}/api/sessions/${session.id}/close`, {
        method: 'POST',
        headers,
        body: '{}',
      });
      const event = {
        type: 'game.added',
        id: 1,
        timestamp: new Date().toISOString(),
        data: { session: { id: 1, is_active: true, games_played: 1 }, game: games[0] },
      };
      const bareResult = await measure(size, async () => bare.send({ type: 'broadcast', event }), {
        URL_WS: 'ws://127.0.0.1:5312/api/sessions/live',
        MODE: 'bare',
      });
      rows.push({ size, api: apiResult, bare: bareResult });
    }
    console.log(
      `\ngame.added to N subscribed clients (2 client processes), ${ROUNDS} rounds; ms from the trigger\n`,
    );
    console.log('clients  target     p50    p95   last p50   last p95');
    const f = (n) => n.toFixed(1).padStart(7);
    for (const { size, api: a, bare: b } of rows) {
      console.log(
        `${String(size).padStart(7)}  api    ${f(a.p50)}${f(a.p95)}   ${f(a.lastP50)}    ${f(a.lastP95)}`,
      );
      console.log(
        `${String(size).padStart(7)}  bare   ${f(b.p50)}${f(b.p95)}   ${f(b.lastP50)}    ${f(b.lastP95)}`,
      );
      console.log(
        `         p95 ratio api/bare: ${(a.p95 / b.p95).toFixed(2)} (goal <= 1.5; p95 goal ${size <= 1000 ? 100 : 500} ms)`,
      );
    }
  } finally {
    await stop(bare);
    await stop(api.child);
    await dropDatabase(ADMIN_URL, DB);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
