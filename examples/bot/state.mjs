// @ts-check
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * Where the bot is in each session's event stream, kept in a small JSON file so a restarted bot
 * resumes where it stopped:
 *
 *   {"lastEventId": 812, "sessions": {"12": 812}}
 *
 * `lastEventId` is the last event received from any session; `sessions` the last one of each
 * session the bot follows (a session leaves the file when it ends). The file is replaced whole
 * (written aside, then renamed), so a crash never leaves half of it.
 */
export class EventPosition {
  /** @param {string} file */
  constructor(file) {
    this.file = file;
    /** @type {number | undefined} */
    this.lastEventId = undefined;
    /** @type {Map<number, number>} */
    this.sessions = new Map();
    try {
      const parsed = /** @type {unknown} */ (JSON.parse(readFileSync(file, 'utf8')));
      const saved = /** @type {{ lastEventId?: unknown, sessions?: Record<string, unknown> }} */ (
        parsed
      );
      if (typeof saved.lastEventId === 'number') this.lastEventId = saved.lastEventId;
      for (const [session, id] of Object.entries(saved.sessions ?? {})) {
        if (typeof id === 'number') this.sessions.set(Number(session), id);
      }
    } catch (error) {
      const code = /** @type {NodeJS.ErrnoException} */ (error).code;
      if (code !== 'ENOENT') throw error;
    }
  }

  /**
   * Where to resume a session from: its own last event, else the last event of any session
   * (everything of the session committed after that one is then replayed).
   * @param {number} sessionId
   */
  resumeFrom(sessionId) {
    return this.sessions.get(sessionId) ?? this.lastEventId;
  }

  /**
   * @param {number} sessionId
   * @param {number} eventId
   */
  received(sessionId, eventId) {
    this.lastEventId = eventId;
    this.sessions.set(sessionId, eventId);
    this.save();
  }

  /** @param {number} sessionId */
  ended(sessionId) {
    this.sessions.delete(sessionId);
    this.save();
  }

  /** The sessions followed when the bot stopped (their ends may still be owed). */
  followed() {
    return [...this.sessions.keys()];
  }

  /** @private */
  save() {
    const temporary = `${this.file}.tmp`;
    writeFileSync(
      temporary,
      JSON.stringify({
        lastEventId: this.lastEventId,
        sessions: Object.fromEntries(this.sessions),
      }),
    );
    renameSync(temporary, this.file);
  }
}
