// Starts the built API or a baseline server as child processes for the benchmarks.
const { spawn, fork, execSync } = require('node:child_process');
const path = require('node:path');
const { Client } = require('pg');

const root = path.resolve(__dirname, '..', '..');
const ADMIN_KEY = 'bench-admin-key-0123456789';
const JWT_SECRET = 'bench-jwt-secret-0123456789-0123456789-abcdef';

function build() {
  execSync('node scripts/build-if-needed.js', { cwd: root, stdio: 'inherit' });
}

async function freshDatabase(adminUrl, name) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(adminUrl, name) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.end();
}

async function waitForHealth(baseUrl, child) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error('server exited during start-up');
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) return;
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become healthy');
}

/** The node flags `npm start` runs the server with, so the API is measured as it is run. */
function startFlags() {
  const start = require(path.join(root, 'package.json')).scripts.start;
  return start.split(' ').filter((word) => word.startsWith('--'));
}

async function startApi({ databaseUrl, port, env = {} }) {
  // BENCH_API_NODE_ARGS passes flags to the API's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...startFlags(), ...nodeArgs, path.join(root, 'dist/src/main.js')];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_KEY,
      JWT_SECRET,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child);
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiKey: ADMIN_KEY }),
  });
  const { token } = await login.json();
  return { child, url, token };
}

function startScript(script, env) {
  // BENCH_BASELINE_NODE_ARGS does for the bare baselines what BENCH_API_NODE_ARGS does for the API.
  const nodeArgs = (process.env.BENCH_BASELINE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return new Promise((resolve, reject) => {
    const child = fork(script, {
      execArgv: nodeArgs,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function stop(child) {
  // A child killed by a signal has a signalCode and no exitCode; either way it has exited.
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/** Opens a session on the API with a game of Party Pack 9 playing; answers it and a POST helper. */
async function sessionWithGame(api) {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${api.token}` };
  const post = async (p, body) =>
    (await fetch(api.url + p, { method: 'POST', headers, body: JSON.stringify(body) })).json();
  const session = await post('/api/sessions', {});
  const [game] = await (
    await fetch(`${api.url}/api/games?pack=The%20Jackbox%20Party%20Pack%209`)
  ).json();
  await post(`/api/sessions/${session.id}/games`, { game_id: game.id });
  return { session, game, post };
}

/** The PostgreSQL the benchmarks create their databases on. */
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

module.exports = {
  build,
  freshDatabase,
  dropDatabase,
  startApi,
  startScript,
  stop,
  sessionWithGame,
  root,
  ADMIN_URL,
};
