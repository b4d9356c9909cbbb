import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { judgingInterval } from '../common/interval';
import type { RuntimeConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { TransientEvents } from '../events/transient-events';
import type { LiveClient } from './live-hub';
import { LiveHub } from './live-hub';
import type { PresenceEntry, ServerMessage } from './live-protocol';

/** The note instances tell each other their admins with. */
const PRESENCE_NOTE = 'presence';

interface LocalPresence extends PresenceEntry {
  /** When the socket was last heard from (a message or an answered ping), in ms. */
  heardAt: number;
}

interface Snapshot {
  admins: PresenceEntry[];
}

/**
 * Which named admins are at the controls, and on which page, across every instance.
 *
 * Each instance knows its own sockets' pages. It tells the others its admins (a NOTIFY note,
 * live only) whenever they change and again every quarter of the presence timeout while it
 * has any; it keeps what each other instance last told it, and forgets an instance that has
 * not repeated itself within the timeout (it crashed, or its notes were lost); a starting
 * instance learns the others' admins from their next repeat. The merged list,
 * one entry per admin (the page they focused last), goes to every authenticated socket here
 * whenever it changes. A socket not heard from within the timeout drops out, as does a closed one.
 */
@Injectable()
export class AdminPresence implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AdminPresence.name);
  private readonly local = new Map<LiveClient, LocalPresence>();
  private readonly remote = new Map<string, { admins: PresenceEntry[]; heardAt: number }>();
  private readonly timeoutMs: number;
  private sweeper?: NodeJS.Timeout;
  /** The list as last sent to the sockets, serialized. */
  private current = '[]';

  constructor(
    private readonly hub: LiveHub,
    private readonly transient: TransientEvents,
    @Inject(APP_CONFIG) config: RuntimeConfig,
  ) {
    this.timeoutMs = config.live.presenceTimeoutMs;
  }

  onApplicationBootstrap(): void {
    this.transient.onNote(PRESENCE_NOTE, (data, from) => this.heard(data as Snapshot, from));
    const every = Math.max(25, Math.floor(this.timeoutMs / 4));
    this.sweeper = judgingInterval(every, (late) => this.sweep(late));
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  /**
   * The admin behind `client` shows `page`. Answers false when no socket was sent the list
   * (nothing changed: the same page again), so the sender can be answered with it as it stands.
   */
  focus(client: LiveClient, name: string, page: string): boolean {
    const now = Date.now();
    const entry = this.local.get(client);
    if (entry && entry.name === name && entry.page === page) {
      entry.heardAt = now;
      return false;
    }
    this.local.set(client, { name, page, since: new Date(now).toISOString(), heardAt: now });
    return this.changed();
  }

  /** The socket was heard from: its admin is still there. */
  heardFrom(client: LiveClient): void {
    const entry = this.local.get(client);
    if (entry) entry.heardAt = Date.now();
  }

  leave(client: LiveClient): void {
    if (this.local.delete(client)) this.changed();
  }

  /** The `presence_update` message for the admins present now. */
  message(): ServerMessage<'presence_update'> {
    return {
      type: 'presence_update',
      timestamp: new Date().toISOString(),
      data: { admins: JSON.parse(this.current) as PresenceEntry[] },
    };
  }

  /** One entry per admin: the page they focused last on any socket of any instance. */
  private merged(): PresenceEntry[] {
    return latestPerAdmin([
      ...this.localAdmins(),
      ...[...this.remote.values()].flatMap((r) => r.admins),
    ]).sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * This instance's admins, one entry each, not one per socket: an admin with many tabs open
   * would otherwise make the note too large to send, and vanish from the other instances.
   */
  private localAdmins(): PresenceEntry[] {
    return latestPerAdmin(
      [...this.local.values()].map(({ name, page, since }) => ({ name, page, since })),
    );
  }

  private changed(): boolean {
    this.tell();
    return this.refresh();
  }

  /** Sends the list to every authenticated socket here, if it changed; answers whether it did. */
  private refresh(): boolean {
    const list = JSON.stringify(this.merged());
    if (list === this.current) return false;
    this.current = list;
    this.hub.sendToAuthenticated(this.message());
    return true;
  }

  private tell(): void {
    const snapshot: Snapshot = { admins: this.localAdmins() };
    this.transient
      .tell(PRESENCE_NOTE, snapshot)
      .catch((error: Error) =>
        this.logger.debug(`could not tell the other instances who is here: ${error.message}`),
      );
  }

  private heard(snapshot: Snapshot, from: string): void {
    if (!Array.isArray(snapshot?.admins)) return;
    this.remote.set(from, { admins: snapshot.admins, heardAt: Date.now() });
    this.refresh();
  }

  /**
   * Drops silent sockets and instances (not on a late sweep: what they sent may still be
   * unread), and repeats this instance's admins to the others.
   */
  private sweep(late: boolean): void {
    const cutoff = Date.now() - this.timeoutMs;
    let lapsed = false;
    if (!late) {
      for (const [client, entry] of this.local) {
        if (entry.heardAt < cutoff) lapsed = this.local.delete(client);
      }
      for (const [instance, { heardAt }] of this.remote) {
        if (heardAt < cutoff) this.remote.delete(instance);
      }
    }
    if (lapsed || this.local.size > 0) this.tell();
    this.refresh();
  }
}

/** Each admin's latest entry (of two as recent, the one listed last). */
function latestPerAdmin(entries: PresenceEntry[]): PresenceEntry[] {
  const byName = new Map<string, PresenceEntry>();
  for (const entry of entries) {
    const known = byName.get(entry.name);
    if (!known || entry.since >= known.since) byName.set(entry.name, entry);
  }
  return [...byName.values()];
}
