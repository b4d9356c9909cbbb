import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One vote per user per second, without the GiST exclusion constraint, which cost PostgreSQL
 * about a third of each vote (measured with pgbench: 0.52 ms of CPU per vote with it, 0.35
 * without). Instead, the votes of one username take turns: a writer takes a transaction-scoped
 * advisory lock on the username (class 7277, `hashtext(username)`), then checks for a vote of that
 * user within a second with a fresh snapshot, through a btree index. Whoever held the turn
 * before has committed by then, so the check sees its vote; two votes of one user can never both
 * pass. Every writer of votes goes through the functions below, which is why they are functions:
 * in READ COMMITTED each of their statements takes a fresh snapshot, after the lock, in one round
 * trip.
 *
 * - `count_votes`: adds to one of a game's counter rows (negative to take away); the one place the
 *   counter arithmetic is written.
 * - `record_live_vote`: the live vote (what `VotesRepository.recordLive` calls).
 * - `import_chat_votes`: a chat log's votes, in time order, the earlier of two within a second
 *   counting; it takes every username's turn first, in the order of their lock keys, so two
 *   imports cannot deadlock.
 */
export class VoteDedupByUserTurns1764220800000 implements MigrationInterface {
  name = 'VoteDedupByUserTurns1764220800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q('ALTER TABLE votes DROP CONSTRAINT votes_one_per_user_per_second');
    await q('ALTER TABLE votes DROP CONSTRAINT votes_window_matches');
    await q('ALTER TABLE votes DROP COLUMN vote_window');
    await q('CREATE INDEX votes_user_time ON votes (username, voted_at)');

    await q(`
      CREATE FUNCTION count_votes(p_game integer, p_shard smallint, p_up integer, p_down integer)
      RETURNS void LANGUAGE sql AS $$
        INSERT INTO vote_counts AS c (game_id, shard, upvotes, downvotes)
        VALUES (p_game, p_shard, p_up, p_down)
        ON CONFLICT (game_id, shard) DO UPDATE
        SET upvotes = c.upvotes + excluded.upvotes, downvotes = c.downvotes + excluded.downvotes
      $$`);

    await q(`
      CREATE FUNCTION record_live_vote(p_username text, p_type smallint, p_at timestamptz,
                                       p_timestamp text, p_ticker text, p_shard smallint)
      RETURNS TABLE (session_id integer, game_id integer, games_played integer, title text,
                     upvotes integer, downvotes integer, popularity_score integer, event_id bigint,
                     event_xid text, event_created_at timestamptz, event_payload json)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        v_session integer;
        v_game integer;
        v_played integer;
        v_title text;
        v_pack text;
        v_up integer;
        v_down integer;
        v_event events%ROWTYPE;
      BEGIN
        -- The game: the one being played at the vote's time, or the ticker's.
        IF p_ticker IS NULL THEN
          SELECT sg.session_id, sg.game_id INTO v_session, v_game
          FROM session_games sg JOIN sessions s ON s.id = sg.session_id
          WHERE s.is_active AND sg.played_at <= p_at
          ORDER BY sg.played_at DESC, sg.id DESC LIMIT 1;
        ELSE
          SELECT s.id, g.id INTO v_session, v_game
          FROM sessions s JOIN games g ON g.ticker = upper(p_ticker)
          WHERE s.is_active;
        END IF;
        IF v_session IS NULL THEN
          RETURN;
        END IF;
        SELECT count(*)::int INTO v_played FROM session_games sg WHERE sg.session_id = v_session;

        -- This user's turn, then a look at their votes with a snapshot taken after it.
        PERFORM pg_advisory_xact_lock(7277, hashtext(p_username));
        IF EXISTS (SELECT 1 FROM votes v WHERE v.username = p_username
                   AND v.voted_at > p_at - interval '1 second' AND v.voted_at < p_at + interval '1 second') THEN
          RETURN QUERY SELECT v_session, v_game, v_played, NULL::text, NULL::integer, NULL::integer,
                              NULL::integer, NULL::bigint, NULL::text, NULL::timestamptz, NULL::json;
          RETURN;
        END IF;

        INSERT INTO votes (session_id, game_id, username, vote_type, voted_at)
        VALUES (v_session, v_game, p_username, p_type, p_at);
        PERFORM count_votes(v_game, p_shard, (p_type = 1)::int, (p_type = -1)::int);
        -- The totals: this vote and every vote committed before this statement.
        SELECT coalesce(sum(c.upvotes), 0)::int, coalesce(sum(c.downvotes), 0)::int INTO v_up, v_down
        FROM vote_counts c WHERE c.game_id = v_game;
        SELECT g.title, g.pack_name INTO v_title, v_pack FROM games g WHERE g.id = v_game;
        INSERT INTO events (type, session_id, payload)
        VALUES ('vote.received', v_session, json_build_object(
          'sessionId', v_session,
          'game', json_build_object('id', v_game, 'title', v_title, 'pack_name', v_pack),
          'vote', json_build_object('username', p_username, 'type', CASE WHEN p_type = 1 THEN 'up' ELSE 'down' END,
                                    'timestamp', p_timestamp),
          'totals', json_build_object('upvotes', v_up, 'downvotes', v_down, 'popularity_score', v_up - v_down)))
        RETURNING * INTO v_event;
        RETURN QUERY SELECT v_session, v_game, v_played, v_title, v_up, v_down, v_up - v_down,
                            v_event.id, v_event.xid::text, v_event.created_at, v_event.payload;
      END $$`);

    await q(`
      CREATE FUNCTION import_chat_votes(p_session integer, p_usernames text[], p_types smallint[],
                                        p_times timestamptz[])
      RETURNS TABLE (unmatched integer, counted integer, games json)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        v_game integer;
        v_id bigint;
        v_unmatched integer := 0;
        v_ids bigint[] := '{}';
      BEGIN
        PERFORM pg_advisory_xact_lock(7277, k)
        FROM (SELECT DISTINCT hashtext(u) AS k FROM unnest(p_usernames) u ORDER BY 1) turns;
        FOR i IN 1 .. coalesce(array_length(p_usernames, 1), 0) LOOP
          SELECT sg.game_id INTO v_game FROM session_games sg
          WHERE sg.session_id = p_session AND sg.played_at <= p_times[i]
          ORDER BY sg.played_at DESC, sg.id DESC LIMIT 1;
          IF v_game IS NULL THEN
            v_unmatched := v_unmatched + 1;
            CONTINUE;
          END IF;
          CONTINUE WHEN EXISTS (SELECT 1 FROM votes v WHERE v.username = p_usernames[i]
            AND v.voted_at > p_times[i] - interval '1 second' AND v.voted_at < p_times[i] + interval '1 second');
          INSERT INTO votes (session_id, game_id, username, vote_type, voted_at, source)
          VALUES (p_session, v_game, p_usernames[i], p_types[i], p_times[i], 'chat')
          RETURNING id INTO v_id;
          v_ids := v_ids || v_id;
        END LOOP;
        PERFORM count_votes(n.game_id, 0::smallint, n.up, n.down)
        FROM (SELECT v.game_id, count(*) FILTER (WHERE v.vote_type = 1)::int AS up,
                     count(*) FILTER (WHERE v.vote_type = -1)::int AS down
              FROM votes v WHERE v.id = ANY (v_ids) GROUP BY v.game_id) n;
        RETURN QUERY SELECT v_unmatched, coalesce(array_length(v_ids, 1), 0),
          coalesce((SELECT json_agg(c ORDER BY c.title) FROM (
            SELECT v.game_id, g.title, count(*) FILTER (WHERE v.vote_type = 1)::int AS upvotes,
                   count(*) FILTER (WHERE v.vote_type = -1)::int AS downvotes
            FROM votes v JOIN games g ON g.id = v.game_id
            WHERE v.id = ANY (v_ids) GROUP BY v.game_id, g.title) c), '[]'::json);
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q('DROP FUNCTION import_chat_votes(integer, text[], smallint[], timestamptz[])');
    await q('DROP FUNCTION record_live_vote(text, smallint, timestamptz, text, text, smallint)');
    await q('DROP FUNCTION count_votes(integer, smallint, integer, integer)');
    await q('DROP INDEX votes_user_time');
    await q('ALTER TABLE votes ADD COLUMN vote_window tstzrange');
    await q(`UPDATE votes SET vote_window = tstzrange(voted_at, voted_at + interval '1 second')`);
    await q('ALTER TABLE votes ALTER COLUMN vote_window SET NOT NULL');
    await q(
      `ALTER TABLE votes ADD CONSTRAINT votes_window_matches CHECK (lower(vote_window) = voted_at AND upper(vote_window) = voted_at + interval '1 second')`,
    );
    await q(
      'ALTER TABLE votes ADD CONSTRAINT votes_one_per_user_per_second EXCLUDE USING gist (username WITH =, vote_window WITH &&)',
    );
  }
}
