// The baseline for bench/fanout: a bare `ws` server that broadcasts one pre-serialized frame
// to all its clients when told to. No auth, no subscriptions, no database.
const http = require('node:http');
const { WebSocketServer } = require('ws');

const server = http.createServer();
const wss = new WebSocketServer({ server, path: '/api/sessions/live', perMessageDeflate: false });
process.on('message', (message) => {
  if (message.type !== 'broadcast') return;
  const frame = JSON.stringify(message.event);
  for (const client of wss.clients) client.send(frame);
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send({ type: 'ready' }));

// Exit rather than die on the benchmark's SIGTERM, so that --cpu-prof writes its profile.
process.on('SIGTERM', () => process.exit(0));
