import { DataSource } from 'typeorm';
import type { TestApp } from './app';

export interface GameSpec {
  pack_name?: string;
  title: string;
  min_players?: number;
  max_players?: number;
  length_minutes?: number | null;
  family_friendly?: boolean;
  game_type?: string | null;
  enabled?: boolean;
  favor_bias?: number;
  ticker?: string | null;
}

/** Replaces the shipped catalog with exactly these games (and no session history). */
export async function useCatalog(
  t: TestApp,
  games: GameSpec[],
  packFavor: Record<string, number> = {},
): Promise<Map<string, number>> {
  const db = t.app.get(DataSource);
  await db.query('TRUNCATE session_games, sessions, games, packs RESTART IDENTITY CASCADE');
  const ids = new Map<string, number>();
  for (const g of games) {
    const pack = g.pack_name ?? 'Test Pack';
    await db.query('INSERT INTO packs (name, favor_bias) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      pack,
      packFavor[pack] ?? 0,
    ]);
    const [row] = await db.query<{ id: number }[]>(
      `INSERT INTO games (pack_name, title, min_players, max_players, length_minutes, family_friendly, game_type, enabled, favor_bias, ticker)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        pack,
        g.title,
        g.min_players ?? 2,
        g.max_players ?? 8,
        g.length_minutes === undefined ? 15 : g.length_minutes,
        g.family_friendly ?? true,
        g.game_type === undefined ? 'Party' : g.game_type,
        g.enabled ?? true,
        g.favor_bias ?? 0,
        g.ticker ?? null,
      ],
    );
    ids.set(g.title, row.id);
  }
  return ids;
}

/** A session with these games played in order, one minute apart (session history for the picker). */
export async function sessionWithHistory(t: TestApp, gameIds: number[]): Promise<number> {
  const db = t.app.get(DataSource);
  await db.query('UPDATE sessions SET is_active = false WHERE is_active');
  const [session] = await db.query<{ id: number }[]>(
    "INSERT INTO sessions (created_at) VALUES (now() - interval '2 hours') RETURNING id",
  );
  for (const [i, gameId] of gameIds.entries()) {
    await db.query(
      `INSERT INTO session_games (session_id, game_id, played_at, status) VALUES ($1, $2, now() - interval '1 hour' + $3 * interval '1 minute', 'played')`,
      [session.id, gameId, i],
    );
  }
  return session.id;
}

/** The id of a catalog game, by title. */
export async function gameId(t: TestApp, title: string): Promise<number> {
  const [row] = await t.app
    .get(DataSource)
    .query<{ id: number }[]>('SELECT id FROM games WHERE title = $1', [title]);
  return row.id;
}

/** Polls until the condition holds (for effects that land a moment after a response). */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A new active session for the calling test. Only one session may be active, so whatever is
 * open is closed first: no test builds on a session another test left behind.
 */
export async function createSession(t: TestApp, token: string, body: object = {}): Promise<any> {
  const active = await t.request('GET', '/api/sessions/active');
  if (active.body?.id) {
    await t.request('POST', `/api/sessions/${active.body.id}/close`, { token, body: {} });
  }
  const created = await t.request('POST', '/api/sessions', { token, body });
  if (created.status !== 201) {
    throw new Error(`could not create a session: ${created.status} ${created.text}`);
  }
  return created.body;
}

/** Adds a catalog game, by title, to a session; answers the new session game. */
export async function addGame(
  t: TestApp,
  token: string,
  sessionId: number,
  title: string,
  extra: object = {},
): Promise<any> {
  const added = await t.request('POST', `/api/sessions/${sessionId}/games`, {
    token,
    body: { game_id: await gameId(t, title), ...extra },
  });
  if (added.status !== 201) {
    throw new Error(`could not add ${title}: ${added.status} ${added.text}`);
  }
  return added.body;
}

/**
 * A `game.added` webhook to an address nothing listens on, for tests that write its delivery
 * rows by hand and drive the repository's statements on them; answers its id.
 */
export async function unreachableWebhook(t: TestApp, name: string): Promise<{ id: number }> {
  const created = await t.request('POST', '/api/webhooks', {
    token: await t.login(),
    body: {
      name,
      url: 'http://127.0.0.1:9/hook',
      secret: `a-secret-for-${name.toLowerCase()}`,
      events: ['game.added'],
    },
  });
  if (created.status !== 201) {
    throw new Error(`could not create a webhook: ${created.status} ${created.text}`);
  }
  return created.body;
}

/**
 * `n` deliveries to `hook` under the claim `token`, not due for an hour (the app's own worker
 * leaves them alone), written through `db` (a transaction's runner, or the data source);
 * answers their ids in the order written.
 */
export async function claimedDeliveries(
  db: Pick<DataSource, 'query'>,
  hook: { id: number },
  n: number,
  token: string,
): Promise<string[]> {
  const rows: { id: string }[] = await db.query(
    `INSERT INTO webhook_deliveries (webhook_id, event_type, body, next_attempt_at, claimed_until, claim_token)
     SELECT $1, 'game.added', '{}', now() + interval '1 hour', now() + interval '1 hour', $2
     FROM generate_series(1, $3) RETURNING id::text AS id`,
    [hook.id, token, n],
  );
  return rows.map((row) => row.id);
}
