import type { RuntimeConfig } from '../config/app-config';
import type { TransientEvents } from '../events/transient-events';
import { AdminPresence } from './admin-presence';
import type { LiveHub } from './live-hub';
import type { PresenceEntry } from './live-protocol';

/** An AdminPresence whose other instances are played by the test, through its note handler. */
function presence() {
  const sent: { data: { admins: PresenceEntry[] } }[] = [];
  const told: unknown[] = [];
  let onNote: (data: unknown, from: string) => void = () => undefined;
  const hub = { sendToAuthenticated: (m: (typeof sent)[number]) => sent.push(m) };
  const transient = {
    onNote: (_note: string, handler: typeof onNote) => (onNote = handler),
    tell: (_note: string, data: unknown) => Promise.resolve(void told.push(data)),
  };
  const config = { live: { presenceTimeoutMs: 45_000 } } as RuntimeConfig;
  const admins = new AdminPresence(
    hub as unknown as LiveHub,
    transient as unknown as TransientEvents,
    config,
  );
  admins.onApplicationBootstrap();
  const pages = () => sent.map((m) => m.data.admins.map((a) => `${a.name}@${a.page}`));
  return { admins, told, pages, hear: (data: unknown, from = 'other') => onNote(data, from) };
}

describe('AdminPresence', () => {
  const alice = (page: string, since: string): PresenceEntry => ({ name: 'Alice', page, since });
  let subject: ReturnType<typeof presence>;
  beforeEach(() => (subject = presence()));
  afterEach(() => subject.admins.onApplicationShutdown());

  it("keeps another instance's newest note when an older one arrives after it", () => {
    const older = { admins: [alice('/history/3', '2026-11-29T08:00:01.000Z')], seq: 1 };
    const newer = { admins: [], seq: 2 };
    subject.hear(newer);
    subject.hear(older);
    expect(subject.admins.message().data.admins).toEqual([]);
    expect(subject.pages()).toEqual([]);
  });

  it('applies notes that arrive in order, sending each change once', () => {
    subject.hear({ admins: [alice('/picker', '2026-11-29T08:00:00.000Z')], seq: 1 });
    subject.hear({ admins: [alice('/picker', '2026-11-29T08:00:00.000Z')], seq: 2 });
    subject.hear({ admins: [], seq: 3 });
    expect(subject.pages()).toEqual([['Alice@/picker'], []]);
  });

  it('ignores notes without a list or a number', () => {
    subject.hear({ admins: [alice('/picker', '2026-11-29T08:00:00.000Z')] });
    subject.hear({ seq: 1 });
    subject.hear(null);
    expect(subject.pages()).toEqual([]);
  });

  it('numbers its own notes in the order it sends them', () => {
    const client = {} as Parameters<AdminPresence['focus']>[0];
    subject.admins.focus(client, 'Bob', '/picker');
    subject.admins.focus(client, 'Bob', '/games');
    subject.admins.leave(client);
    expect(subject.told.map((n) => (n as { seq: number }).seq)).toEqual([1, 2, 3]);
  });
});
