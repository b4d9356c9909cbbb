import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Each table has one owner: the repository that holds every statement writing it. (The live
 * vote and the chat import are database functions, in migration 1764220800000, called by the
 * votes repository: they write votes, counters and the vote's event in one round trip; the poll
 * vote, `record_poll_vote` in migration 1764500200000, is called by the polls repository.) SQL naming
 * a table anywhere else is either a read listed below, with the reason it is not a call to the
 * owner, or a mistake this test catches.
 */
const OWNERS: Record<string, string> = {
  games: 'games/games.repository.ts',
  packs: 'games/games.repository.ts',
  sessions: 'sessions/sessions.repository.ts',
  session_games: 'sessions/sessions.repository.ts',
  session_selections: 'sessions/sessions.repository.ts',
  games_with_votes: 'games/games.repository.ts',
  votes: 'votes/votes.repository.ts',
  vote_counts: 'votes/votes.repository.ts',
  events: 'events/events.repository.ts',
  webhooks: 'webhooks/webhooks.repository.ts',
  webhook_deliveries: 'webhooks/webhooks.repository.ts',
  webhook_attempts: 'webhooks/webhooks.repository.ts',
  webhook_cursors: 'webhooks/webhooks.repository.ts',
  webhook_pages: 'webhooks/webhooks.repository.ts',
  room_monitor_leases: 'rooms/rooms.repository.ts',
  polls: 'polls/polls.repository.ts',
  poll_options: 'polls/polls.repository.ts',
  poll_votes: 'polls/polls.repository.ts',
};

/** `file:table` pairs allowed outside the owner, and why. */
const SHARED: Record<string, string> = {
  'votes/votes.repository.ts:games': 'votes are listed with their game (title, pack)',
  // Reads that show a row with the fields of the row it refers to.
  'sessions/sessions.repository.ts:games_with_votes':
    'session games are shown with their catalog fields and votes',
  'sessions/sessions.repository.ts:games':
    "a session's pending selection is shown with its game's title and pack",
  'games/games.repository.ts:session_games':
    'the picker avoids repeats, and games with history are kept (one query each)',
  'games/games.repository.ts:votes': 'a replacing import keeps games that have votes',
  'polls/polls.repository.ts:games': "a poll's standings show each game option's ticker",
  'webhooks/webhooks.repository.ts:events':
    'deliveries are made from the event log, and a claimed delivery carries its event',
};

const SQL_REFERENCE = new RegExp(
  String.raw`\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(${Object.keys(OWNERS).join('|')})\b`,
  'g',
);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'migrations' ? [] : sourceFiles(full);
    return full.endsWith('.ts') && !full.endsWith('.spec.ts') ? [full] : [];
  });
}

describe('table owners', () => {
  const root = path.resolve(__dirname, '..');
  const references = sourceFiles(root).flatMap((file) => {
    const relative = path.relative(root, file).split(path.sep).join('/');
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(SQL_REFERENCE)].map((m) => ({ file: relative, table: m[1] }));
  });

  it('finds the SQL it checks', () => {
    // vote_counts is written only by the database function count_votes (a migration's).
    const named = Object.keys(OWNERS).filter((table) => table !== 'vote_counts');
    expect(new Set(references.map((r) => r.table))).toEqual(new Set(named));
  });

  it('names a table only in its owner, or in a listed read', () => {
    const strays = references
      .filter((r) => OWNERS[r.table] !== r.file && !SHARED[`${r.file}:${r.table}`])
      .map((r) => `${r.file} names ${r.table} (owner: ${OWNERS[r.table]})`);
    expect([...new Set(strays)]).toEqual([]);
  });

  it('lists no exception that is not needed', () => {
    const used = new Set(references.map((r) => `${r.file}:${r.table}`));
    expect(Object.keys(SHARED).filter((pair) => !used.has(pair))).toEqual([]);
  });
});
