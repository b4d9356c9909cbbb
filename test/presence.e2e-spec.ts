import type { RuntimeConfig } from '../src/config/app-config';
import { request, startTestApp, testConfig, type TestApp } from './support/app';
import { authedSocket, ofType, openSocket, type TestSocket } from './support/ws';

const ADMINS = [
  { name: 'Alice', key: 'alice-key-0123456789' },
  { name: 'Bob', key: 'bob-key-0123456789' },
];

async function loginAs(t: TestApp, name: string): Promise<string> {
  const key = ADMINS.find((a) => a.name === name)!.key;
  const res = await request<{ token: string }>(t.url, 'POST', '/api/auth/login', {
    body: { apiKey: key },
  });
  return res.body.token;
}

/** The admins a presence_update lists, without their times. */
const who = (m: any) => m.data.admins.map((a: any) => `${a.name}@${a.page}`);
const listing = (expected: string[]) => (m: any) =>
  m.type === 'presence_update' && JSON.stringify(who(m)) === JSON.stringify(expected);

/** Matches a message that arrives after the first `seen` ones. */
const after = (socket: TestSocket, seen: number, match: (m: any) => boolean) => (m: any) =>
  socket.messages.indexOf(m) >= seen && match(m);

/** Two instances on one database, with named admins. */
async function twoInstances(live: Partial<RuntimeConfig['live']> = {}): Promise<TestApp[]> {
  const overrides = { admins: ADMINS, live: { ...testConfig('').live, ...live } };
  const first = await startTestApp(overrides);
  return [first, await startTestApp(overrides, first.database)];
}

describe('admin presence', () => {
  const sockets: TestSocket[] = [];
  const open = async (t: TestApp, name: string) => {
    const socket = await authedSocket(t.url, await loginAs(t, name));
    sockets.push(socket);
    return socket;
  };
  afterAll(() => sockets.forEach((s) => s.socket.close()));

  describe('across instances', () => {
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => ([a, b] = await twoInstances()));
    afterAll(async () => {
      await b.close();
      await a.close();
    });

    it('every authenticated socket sees admins come, change page and go when their sockets close', async () => {
      const alice = await open(a, 'Alice');
      const bob = await open(b, 'Bob');
      const watcher = await open(b, 'Bob'); // a socket that focuses nothing still hears

      alice.send({ type: 'page_focus', page: '/picker' });
      const joined = await bob.next(listing(['Alice@/picker']));
      expect(joined.data.admins).toEqual([
        { name: 'Alice', page: '/picker', since: expect.any(String) },
      ]);
      expect(joined.id).toBeUndefined();
      await alice.next(listing(['Alice@/picker']));
      await watcher.next(listing(['Alice@/picker']));

      bob.send({ type: 'page_focus', page: '/history/3' });
      await alice.next(listing(['Alice@/picker', 'Bob@/history/3']));

      // A second tab of Alice's, on the other instance: she shows on the page she focused last.
      const aliceTab = await open(b, 'Alice');
      aliceTab.send({ type: 'page_focus', page: '/history/3' });
      await bob.next(listing(['Alice@/history/3', 'Bob@/history/3']));
      let seen = [bob.messages.length, alice.messages.length, watcher.messages.length];
      aliceTab.socket.close();
      const both = listing(['Alice@/picker', 'Bob@/history/3']);
      await bob.next(after(bob, seen[0], both));
      await alice.next(after(alice, seen[1], both));
      await watcher.next(after(watcher, seen[2], both));

      // The same page again changes nothing: only the sender is answered, with the list.
      seen = [alice.messages.length, watcher.messages.length];
      alice.send({ type: 'page_focus', page: '/picker' });
      const answer = await alice.next(after(alice, seen[0], both));
      expect(answer.data.admins[0].since).toBe(joined.data.admins[0].since);

      alice.socket.close();
      await watcher.next(listing(['Bob@/history/3']));
      await bob.next(listing(['Bob@/history/3']));
      // The watcher heard of Alice leaving, and nothing of her repeated focus.
      expect(watcher.messages.slice(seen[1]).filter(ofType('presence_update')).map(who)).toEqual([
        ['Bob@/history/3'],
      ]);

      bob.socket.close();
      await watcher.next(listing([]));
    });

    it('refuses bad page_focus messages, telling nobody anything', async () => {
      const carol = await open(a, 'Alice');
      const listener = await open(b, 'Bob');
      const anonymous = await openSocket(a.url);
      sockets.push(anonymous);
      anonymous.send({ type: 'page_focus', page: '/picker' });
      expect(await anonymous.next(ofType('error'))).toEqual({
        type: 'error',
        message: 'Not authenticated: send {"type": "auth", "token": "..."} first',
      });
      const pageError = {
        type: 'error',
        message: 'page must be a non-empty string of at most 200 characters',
      };
      for (const page of [undefined, '', '   ', 42, null, { path: '/' }, 'x'.repeat(201)]) {
        const count = carol.messages.length;
        carol.send({ type: 'page_focus', page });
        expect(await carol.next((m) => carol.messages.indexOf(m) >= count)).toEqual(pageError);
      }
      // Still nobody there: a valid focus is the first change anyone hears of.
      carol.send({ type: 'page_focus', page: '/games' });
      await listener.next(listing(['Alice@/games']));
      expect(listener.messages.filter(ofType('presence_update')).map(who)).toEqual([
        ['Alice@/games'],
      ]);
      expect(anonymous.messages.filter(ofType('presence_update'))).toEqual([]);
    });
  });

  describe('silent sockets', () => {
    let a: TestApp;
    let b: TestApp;
    // No protocol pings within the test (30 s): only messages keep an admin present.
    beforeAll(async () => ([a, b] = await twoInstances({ presenceTimeoutMs: 3_000 })));
    afterAll(async () => {
      await b.close();
      await a.close();
    });

    it('an admin whose socket goes silent drops out; one who keeps pinging stays', async () => {
      const alice = await open(a, 'Alice');
      const bob = await open(b, 'Bob');
      bob.send({ type: 'page_focus', page: '/picker' });
      const keepAlive = setInterval(() => bob.send({ type: 'ping' }), 500);
      try {
        await bob.next(listing(['Bob@/picker']));
        const seen = [bob.messages.length, alice.messages.length];
        alice.send({ type: 'page_focus', page: '/history' });
        await bob.next(listing(['Alice@/history', 'Bob@/picker']));
        await bob.next(after(bob, seen[0] + 1, listing(['Bob@/picker'])));
        await alice.next(after(alice, seen[1] + 1, listing(['Bob@/picker'])));
        expect(alice.socket.readyState).toBe(alice.socket.OPEN);
      } finally {
        clearInterval(keepAlive);
      }
    });
  });
});
