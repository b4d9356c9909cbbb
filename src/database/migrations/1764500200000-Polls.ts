import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Viewer polls. `polls`: one row per poll, at most one open per session (a partial unique
 * index); `ends_at` is a countdown's due time, kept so a restart or another instance ends it;
 * `leader_*` and `leading_sent_at` remember the last `poll.leading` sent, so every instance
 * decides against the same record whether a leader is new and whether it may go out yet.
 * `poll_options`: the options, numbered from 1 as viewers type them. `poll_votes`: one row per
 * viewer per poll (the primary key), replaced when they change their mind; `seq` orders votes
 * (ties go to the option whose current votes were all in first).
 *
 * `record_poll_vote` is the vote in one round trip: it checks the session and the open poll,
 * resolves the option from its number or a game's ticker, and upserts the viewer's row. Votes
 * hold the session's poll lock (advisory, class 7278, the session id) shared, and whatever
 * ends or changes the poll holds it exclusively, so a vote and the end never overlap: a vote is
 * counted in the result or refused, never recorded after it. An advisory lock rather than a row
 * lock: a row lock shared by concurrent votes is written into the poll's row each time. A vote's
 * option is checked by the function, not by a foreign key to `poll_options`: that key would
 * lock the option's row too, a second lock shared by every concurrent vote.
 */
export class Polls1764500200000 implements MigrationInterface {
  name = 'Polls1764500200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      CREATE TABLE polls (
        id serial PRIMARY KEY,
        session_id integer NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'ended')),
        started_at timestamptz NOT NULL DEFAULT now(),
        ends_at timestamptz,
        ended_at timestamptz,
        winner_position smallint,
        winner_votes integer,
        leader_position smallint,
        leader_votes integer,
        leading_sent_at timestamptz
      )`);
    await q(`CREATE UNIQUE INDEX polls_one_open ON polls (session_id) WHERE status = 'open'`);
    await q(`CREATE INDEX polls_session ON polls (session_id, id)`);
    await q(`
      CREATE TABLE poll_options (
        poll_id integer NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
        position smallint NOT NULL CHECK (position >= 1),
        game_id integer REFERENCES games (id) ON DELETE SET NULL,
        label text NOT NULL,
        PRIMARY KEY (poll_id, position)
      )`);
    await q(`
      CREATE TABLE poll_votes (
        poll_id integer NOT NULL,
        username text NOT NULL,
        position smallint NOT NULL,
        voted_at timestamptz NOT NULL,
        seq bigserial NOT NULL,
        PRIMARY KEY (poll_id, username),
        FOREIGN KEY (poll_id) REFERENCES polls (id) ON DELETE CASCADE
      )`);
    await q(`CREATE INDEX poll_votes_option ON poll_votes (poll_id, position)`);
    await q(`
      CREATE FUNCTION record_poll_vote(p_session integer, p_username text, p_position smallint,
                                       p_ticker text, p_at timestamptz)
      RETURNS TABLE (outcome text, vote_poll_id integer, option_position smallint, option_label text,
                     option_game_id integer, option_count integer)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_active boolean;
        v_poll integer;
        v_position smallint;
        v_label text;
        v_game integer;
      BEGIN
        SELECT s.is_active INTO v_active FROM sessions s WHERE s.id = p_session;
        IF NOT FOUND THEN
          RETURN QUERY SELECT 'no_session'::text, NULL::integer, NULL::smallint, NULL::text, NULL::integer, NULL::integer;
          RETURN;
        END IF;
        IF NOT v_active THEN
          RETURN QUERY SELECT 'session_closed'::text, NULL::integer, NULL::smallint, NULL::text, NULL::integer, NULL::integer;
          RETURN;
        END IF;
        PERFORM pg_advisory_xact_lock_shared(7278, p_session);
        -- A fresh snapshot, taken after the lock: an end that held it has committed.
        SELECT p.id INTO v_poll FROM polls p WHERE p.session_id = p_session AND p.status = 'open';
        IF NOT FOUND THEN
          RETURN QUERY SELECT 'no_poll'::text, NULL::integer, NULL::smallint, NULL::text, NULL::integer, NULL::integer;
          RETURN;
        END IF;
        SELECT o.position, o.label, o.game_id INTO v_position, v_label, v_game
        FROM poll_options o LEFT JOIN games g ON g.id = o.game_id
        WHERE o.poll_id = v_poll AND (o.position = p_position OR g.ticker = p_ticker)
        LIMIT 1;
        IF NOT FOUND THEN
          RETURN QUERY SELECT 'bad_option'::text, v_poll, NULL::smallint, NULL::text, NULL::integer,
            (SELECT count(*)::integer FROM poll_options o WHERE o.poll_id = v_poll);
          RETURN;
        END IF;
        INSERT INTO poll_votes AS v (poll_id, username, position, voted_at)
        VALUES (v_poll, p_username, v_position, p_at)
        ON CONFLICT (poll_id, username) DO UPDATE
          SET position = EXCLUDED.position, voted_at = EXCLUDED.voted_at,
              seq = CASE WHEN v.position = EXCLUDED.position THEN v.seq ELSE EXCLUDED.seq END;
        RETURN QUERY SELECT 'recorded'::text, v_poll, v_position, v_label, v_game, NULL::integer;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q('DROP FUNCTION record_poll_vote(integer, text, smallint, text, timestamptz)');
    await q('DROP TABLE poll_votes');
    await q('DROP TABLE poll_options');
    await q('DROP TABLE polls');
  }
}
