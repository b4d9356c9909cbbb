import type { RuntimeConfig } from '../config/app-config';
import type { TransientEvents } from '../events/transient-events';
import { AdminPresence } from './admin-presence';
import type { LiveClient, LiveHub } from './live-hub';
import type { PresenceEntry } from './live-protocol';

/** An AdminPresence whose other instances are played by the test, through its note handler. */
function presence() {
  const sent: { data: { admins: PresenceEntry[] } }[] = [];
  let onNote: (data: unknown, from: string) => void = () => undefined;
  const hub = { sendToAuthenticated: (m: (typeof sent)[number]) => sent.push(m) };
  const told: { admins: PresenceEntry[] }[] = [];
  const transient = {
    onNote: (_note: string, handler: typeof onNote) => (onNote = handler),
    tell: (_note: string, snapshot: (typeof told)[number]) => {
      told.push(snapshot);
      return Promise.resolve();
    },
  };
  const config = { live: { presenceTimeoutMs: 45_000 } } as RuntimeConfig;
  const admins = new AdminPresence(
    hub as unknown as LiveHub,
    transient as unknown as TransientEvents,
    config,
  );
  admins.onApplicationBootstrap();
  const pages = () => sent.map((m) => m.data.admins.map((a) => `${a.name}@${a.page}`));
  return { admins, pages, told, hear: (data: unknown, from = 'other') => onNote(data, from) };
}

describe('AdminPresence', () => {
  const alice = (page: string, since: string): PresenceEntry => ({ name: 'Alice', page, since });
  let subject: ReturnType<typeof presence>;
  beforeEach(() => (subject = presence()));
  afterEach(() => subject.admins.onApplicationShutdown());

  it("sends each change of another instance's admins once", () => {
    subject.hear({ admins: [alice('/picker', '2026-11-29T08:00:00.000Z')] });
    subject.hear({ admins: [alice('/picker', '2026-11-29T08:00:00.000Z')] });
    subject.hear({ admins: [] });
    expect(subject.pages()).toEqual([['Alice@/picker'], []]);
  });

  it('ignores notes without a list', () => {
    subject.hear({ admins: 'Alice' });
    subject.hear({});
    subject.hear(null);
    expect(subject.pages()).toEqual([]);
  });

  it('tells the other instances one entry per admin, however many sockets each has', () => {
    const sockets = Array.from({ length: 40 }, () => ({}) as LiveClient);
    sockets.forEach((socket, i) => subject.admins.focus(socket, 'Alice', `/page-${i}`));
    subject.admins.focus({} as LiveClient, 'Bob', '/picker');
    expect(
      subject.told
        .at(-1)
        ?.admins.map((a) => `${a.name}@${a.page}`)
        .sort(),
    ).toEqual(['Alice@/page-39', 'Bob@/picker']);
  });
});
