// A process holding many WebSocket clients for bench/fanout. With MODE=api each one
// authenticates and subscribes as a bot would; with MODE=bare it just connects. It reports,
// per broadcast round, when each of its clients received the frame (epoch ms, sub-ms).
const WebSocket = require('ws');

const { URL_WS, TOKEN, SESSION_ID, MODE } = process.env;
const COUNT = Number(process.env.COUNT);
const OPEN_AT_ONCE = 200;
const now = () => performance.timeOrigin + performance.now();

const rounds = []; // rounds[k][i]: receipt time of round k by client i
const received = new Array(COUNT).fill(0);

function openClient(i) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(URL_WS, { perMessageDeflate: false });
    ws.on('error', reject);
    ws.on('open', () => {
      if (MODE === 'bare') return resolve(ws);
      ws.send(JSON.stringify({ type: 'auth', token: TOKEN }));
    });
    ws.on('message', (data) => {
      const text = data.toString();
      if (MODE === 'api' && !text.includes('"game.added"')) {
        const message = JSON.parse(text);
        if (message.type === 'auth_success') {
          ws.send(JSON.stringify({ type: 'subscribe', sessionId: Number(SESSION_ID) }));
        } else if (message.type === 'subscribed') resolve(ws);
        else reject(new Error(text));
        return;
      }
      const round = received[i]++;
      (rounds[round] ??= new Array(COUNT))[i] = now();
      if (rounds[round].filter(Boolean).length === COUNT) process.send({ type: 'round', round });
    });
  });
}

async function main() {
  const sockets = [];
  for (let start = 0; start < COUNT; start += OPEN_AT_ONCE) {
    const batch = [];
    for (let i = start; i < Math.min(COUNT, start + OPEN_AT_ONCE); i++) batch.push(openClient(i));
    sockets.push(...(await Promise.all(batch)));
  }
  process.send({ type: 'ready' });
  process.on('message', (message) => {
    if (message.type === 'report') {
      sockets.forEach((s) => s.terminate());
      // Exit only once the (large) report has been handed over.
      process.send({ type: 'report', rounds }, () => process.exit(0));
    }
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
