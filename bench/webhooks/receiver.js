// The webhook receiver for bench/webhooks: answers 200 at once, remembers what arrived.
// Asked over IPC: {cmd: 'stats'} -> {count, unique, lagsMs[], last}.
const http = require('node:http');

const arrivals = new Map(); // x-webhook-id -> times seen
const voters = new Map(); // the vote's username -> times delivered
let count = 0;
let last = 0;
const lags = [];

http
  .createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const now = Date.now();
      count++;
      last = now;
      const id = req.headers['x-webhook-id'] ?? 'plain';
      arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
      try {
        const { timestamp, data } = JSON.parse(body);
        if (timestamp) lags.push(now - Date.parse(timestamp));
        const voter = data?.vote?.username;
        if (voter) voters.set(voter, (voters.get(voter) ?? 0) + 1);
      } catch {
        // a plain POST from the baseline loop
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('OK');
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));

process.on('message', (message) => {
  if (message.cmd === 'reset') {
    arrivals.clear();
    voters.clear();
    count = 0;
    lags.length = 0;
  }
  if (message.cmd === 'stats') {
    const twice = [...voters.values()].filter((n) => n > 1).length;
    process.send({
      count,
      unique: arrivals.size,
      lags: [...lags],
      last,
      voters: [...voters.keys()],
      twice,
    });
  }
});
