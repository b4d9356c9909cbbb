import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { SendWindow } from './send-window';

/** A socket that records what it is asked to send and answers nothing by itself. */
function fakeSocket() {
  const socket = Object.assign(new EventEmitter(), {
    readyState: WebSocket.OPEN,
    sent: [] as string[],
    pings: [] as string[],
    send(text: string) {
      socket.sent.push(text);
    },
    ping(data: string) {
      socket.pings.push(data);
    },
  });
  return socket;
}

const LIMIT = 1000;

function setup() {
  const socket = fakeSocket();
  const window = new SendWindow(socket as unknown as WebSocket, LIMIT);
  /** The client answers a ping, as a client that has read up to it does. */
  const answer = (ping: string) => window.acknowledge(Buffer.from(ping));
  return { socket, window, answer };
}

describe('SendWindow', () => {
  it('pings every quarter of the limit, marking the position sent so far', () => {
    const { socket, window } = setup();
    window.send('a', 200);
    expect(socket.pings).toEqual([]);
    window.send('b', 100);
    expect(socket.pings).toEqual(['300']);
    window.send('c', 100);
    expect(socket.pings).toEqual(['300']);
    window.send('d', 200);
    expect(socket.pings).toEqual(['300', '600']);
  });

  it('counts what was sent after the last answered ping as unread', () => {
    const { window, socket, answer } = setup();
    window.send('a', 300);
    window.send('b', 300);
    expect(window.unread).toBe(600);
    answer(socket.pings[0]);
    expect(window.unread).toBe(300);
    answer(socket.pings[1]);
    expect(window.unread).toBe(0);
  });

  it('refuses to send once more than the limit is unread', () => {
    const { window, socket } = setup();
    for (let i = 0; i < 5; i++) expect(window.send(`${i}`, 250)).toBe(true);
    expect(window.unread).toBe(1250);
    expect(window.send('over', 1)).toBe(false);
    expect(socket.sent).toEqual(['0', '1', '2', '3', '4']);
  });

  it('takes an answer to the latest of several pings as answering them all', () => {
    const { window, socket, answer } = setup();
    window.send('a', 300);
    window.send('b', 300);
    window.send('c', 300);
    answer(socket.pings[2]);
    expect(window.unread).toBe(0);
    answer(socket.pings[0]); // late and already covered: changes nothing
    expect(window.unread).toBe(0);
  });

  it('ignores pongs that answer no ping it sent', () => {
    const { window, answer } = setup();
    window.send('a', 300);
    answer('');
    answer('300000');
    answer('not a number');
    expect(window.unread).toBe(300);
  });

  it('makes a waiting sender wait until the client has read enough, pinging so it can say so', async () => {
    const { window, socket, answer } = setup();
    window.send('a', 200);
    window.send('b', 200);
    window.send('c', 200); // 600 unread: past half the limit
    expect(window.hasRoom).toBe(false);
    let roomy = false;
    const waiting = window.room().then(() => (roomy = true));
    await Promise.resolve();
    expect(socket.pings.at(-1)).toBe('600');
    answer(socket.pings[0]); // up to 400: 200 left
    await waiting;
    expect(roomy).toBe(true);
    expect(window.hasRoom).toBe(true);
  });

  it('stops a waiting sender when the socket closes', async () => {
    const { window, socket } = setup();
    window.send('a', 600);
    const waiting = window.room();
    Object.assign(socket, { readyState: WebSocket.CLOSED });
    socket.emit('close');
    await expect(waiting).resolves.toBeUndefined();
  });
});
