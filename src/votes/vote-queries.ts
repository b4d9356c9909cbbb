import { SESSION_EVENTS_LOCK } from '../events/event-outbox';

/**
 * The live vote as one statement: find the game, record the vote (the exclusion constraint
 * refuses a second vote of the user within a second), bump the counters and write the
 * `vote.received` event, all in one implicit transaction and one round trip. The game row
 * is the hot spot (every vote of a game night lands on it), so nothing else happens while
 * its lock is held.
 *
 * $1 username, $2 vote_type (1 or -1), $3 timestamp, $4 the timestamp as the client sent it,
 * $5 ticker (null: the game being played at $3).
 */
export const LIVE_VOTE_SQL = `
WITH active AS (
  SELECT id FROM sessions WHERE is_active
), target AS (
  SELECT * FROM (
    SELECT sg.session_id, sg.game_id FROM session_games sg JOIN active a ON sg.session_id = a.id
    WHERE $5::text IS NULL AND sg.played_at <= $3::timestamptz
    ORDER BY sg.played_at DESC, sg.id DESC LIMIT 1
  ) by_time
  UNION ALL
  SELECT a.id, g.id FROM active a JOIN games g ON g.ticker = upper($5::text)
), vote AS (
  INSERT INTO votes (session_id, game_id, username, vote_type, voted_at, vote_window)
  SELECT session_id, game_id, $1::text, $2::smallint, $3::timestamptz,
         tstzrange($3::timestamptz, $3::timestamptz + interval '1 second')
  FROM target
  ON CONFLICT DO NOTHING
  RETURNING session_id, game_id
), counted AS (
  UPDATE games g
  SET upvotes = g.upvotes + ($2::smallint = 1)::int, downvotes = g.downvotes + ($2::smallint = -1)::int
  FROM vote v WHERE g.id = v.game_id
  RETURNING g.id, g.title, g.pack_name, g.upvotes, g.downvotes, g.popularity_score, v.session_id
), event AS (
  INSERT INTO events (type, session_id, payload)
  SELECT 'vote.received', c.session_id, json_build_object(
    'sessionId', c.session_id,
    'game', json_build_object('id', c.id, 'title', c.title, 'pack_name', c.pack_name),
    'vote', json_build_object('username', $1::text, 'type', CASE WHEN $2::smallint = 1 THEN 'up' ELSE 'down' END, 'timestamp', $4::text),
    'totals', json_build_object('upvotes', c.upvotes, 'downvotes', c.downvotes, 'popularity_score', c.popularity_score))
  FROM counted c
  -- After the row lock, as every event writer does (see SESSION_EVENTS_LOCK): ids commit in order.
  CROSS JOIN LATERAL (SELECT pg_advisory_xact_lock(${SESSION_EVENTS_LOCK}, c.session_id)) AS ordered
  RETURNING id, created_at, payload
)
SELECT t.session_id, t.game_id,
       (SELECT count(*) FROM session_games sg WHERE sg.session_id = t.session_id)::int AS games_played,
       c.title, c.upvotes, c.downvotes, c.popularity_score,
       e.id AS event_id, e.created_at AS event_created_at, e.payload AS event_payload
FROM target t LEFT JOIN counted c ON true LEFT JOIN event e ON true`;

/**
 * Chat import as one statement: $1 usernames, $2 vote types, $3 timestamps (sorted by time,
 * so of two votes within a second the earlier one counts), $4 the session.
 */
export const CHAT_IMPORT_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::smallint[], $3::timestamptz[]) WITH ORDINALITY AS m(username, vote_type, voted_at, n)
), matched AS (
  SELECT m.*, (
    SELECT sg.game_id FROM session_games sg
    WHERE sg.session_id = $4 AND sg.played_at <= m.voted_at
    ORDER BY sg.played_at DESC, sg.id DESC LIMIT 1
  ) AS game_id
  FROM input m
), inserted AS (
  INSERT INTO votes (session_id, game_id, username, vote_type, voted_at, vote_window, source)
  SELECT $4, game_id, username, vote_type, voted_at, tstzrange(voted_at, voted_at + interval '1 second'), 'chat'
  FROM matched WHERE game_id IS NOT NULL ORDER BY n
  ON CONFLICT DO NOTHING
  RETURNING game_id, vote_type
), per_game AS (
  SELECT game_id, count(*) FILTER (WHERE vote_type = 1)::int AS up, count(*) FILTER (WHERE vote_type = -1)::int AS down
  FROM inserted GROUP BY game_id
), counted AS (
  UPDATE games g SET upvotes = g.upvotes + p.up, downvotes = g.downvotes + p.down
  FROM per_game p WHERE g.id = p.game_id
  RETURNING g.id AS game_id, g.title, p.up AS upvotes, p.down AS downvotes
)
SELECT (SELECT count(*) FROM matched WHERE game_id IS NULL)::int AS unmatched,
       (SELECT count(*) FROM inserted)::int AS counted,
       coalesce((SELECT json_agg(c ORDER BY c.title) FROM counted c), '[]') AS games`;
