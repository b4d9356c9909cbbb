// Runs wrk and reads its report: requests per second, p50, p99 and errors.
const { execFileSync, spawnSync } = require('node:child_process');

const UNITS = { us: 0.001, ms: 1, s: 1000, m: 60000 };
const toMs = (text) => {
  const [, value, unit] = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  return Number(value) * UNITS[unit];
};

/** Stops with a clear message, before any server is started, when wrk is not installed. */
function requireWrk() {
  if (spawnSync('wrk', ['--version']).error) {
    console.error('bench: wrk is not installed (Debian/Ubuntu: apt-get install wrk)');
    process.exit(1);
  }
}

function runWrk({ url, connections, seconds, script, env }) {
  const threads = Math.min(2, connections);
  const output = execFileSync(
    'wrk',
    [
      '-t',
      String(threads),
      '-c',
      String(connections),
      '-d',
      `${seconds}s`,
      '--latency',
      '-s',
      script,
      url,
    ],
    { env: { ...process.env, ...env }, encoding: 'utf8' },
  );
  const grab = (re) => re.exec(output)?.[1];
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  return {
    rps: Number(grab(/Requests\/sec:\s+([\d.]+)/)),
    p50: toMs(grab(/\s50%\s+(\S+)/)),
    p99: toMs(grab(/\s99%\s+(\S+)/)),
    requests: Number(grab(/(\d+) requests in/)),
    errors:
      Number(grab(/Non-2xx or 3xx responses: (\d+)/) ?? 0) +
      (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
    raw: output,
  };
}

module.exports = { requireWrk, runWrk };
