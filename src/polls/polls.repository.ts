import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { RuntimeConfig } from '../config/app-config';
import { type BoundedPool, votePool } from '../database/bounded-pool';
import { DatabaseAvailability } from '../database/database-availability';
import { modify, type Queryable } from '../database/sql';
import type { OptionStanding } from './poll-standings';

/** A poll as stored. */
export interface PollRow {
  id: number;
  session_id: number;
  status: 'open' | 'ended';
  started_at: Date;
  ends_at: Date | null;
  ended_at: Date | null;
  winner_position: number | null;
  winner_votes: number | null;
}

/** An open poll locked to decide whether its leader goes out. */
export interface LeadingState {
  session_id: number;
  leader_position: number | null;
  leader_votes: number | null;
  /** How long until another `poll.leading` may go out (0: now). */
  wait_ms: number;
}

export interface NewOption {
  game_id: number | null;
  label: string;
}

/** What `record_poll_vote` answers. */
export interface PollVoteRow {
  outcome: 'recorded' | 'no_session' | 'session_closed' | 'no_poll' | 'bad_option';
  vote_poll_id: number | null;
  option_position: number | null;
  option_label: string | null;
  option_game_id: number | null;
  /** With `bad_option`: how many options the poll has. */
  option_count: number | null;
}

/** An open poll as the sweep sees it. */
export interface OpenPoll {
  id: number;
  due: boolean;
  ends_at: Date | null;
  /** The newest vote's sequence number (null: none yet), to tell whether standings moved. */
  last_seq: string | null;
}

/**
 * The poll vote: checks the session and its open poll, finds the option from its number ($3)
 * or a game's ticker ($4), and records or replaces the viewer's vote (migration
 * 1764500200000-Polls). One round trip, on a pool of its own like the live vote.
 */
export const POLL_VOTE_SQL =
  'SELECT * FROM record_poll_vote($1::int, $2::text, $3::smallint, $4::text, $5::timestamptz)';

/** The advisory lock class of a session's poll votes (the live votes' turns use 7277). */
const POLL_VOTES_LOCK = 7278;

const POLL_COLUMNS =
  'id, session_id, status, started_at, ends_at, ended_at, winner_position, winner_votes';

/** Every statement on `polls`, `poll_options` and `poll_votes`. */
@Injectable()
export class PollsRepository implements OnApplicationShutdown {
  private readonly logger = new Logger(PollsRepository.name);
  /**
   * Connections for poll votes (as many as DB_VOTE_POOL_SIZE), so a chat voting in a poll
   * neither queues behind other work nor takes the live votes' connections. Opened when
   * votes come, closed when idle.
   */
  private readonly pool: BoundedPool;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: RuntimeConfig,
    availability: DatabaseAvailability,
  ) {
    this.pool = votePool(config, availability, (error) =>
      this.logger.debug(`poll vote connection dropped: ${error.message}`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }

  async recordVote(vote: {
    sessionId: number;
    username: string;
    position: number | null;
    ticker: string | null;
    at: Date;
  }): Promise<PollVoteRow> {
    const { rows } = await this.pool.query<PollVoteRow>({
      name: 'poll-vote',
      text: POLL_VOTE_SQL,
      values: [vote.sessionId, vote.username, vote.position, vote.ticker, vote.at.toISOString()],
    });
    return rows[0];
  }

  /** Opens a poll; fails on `polls_one_open` when the session already has one. */
  async insert(db: Queryable, sessionId: number, options: NewOption[]): Promise<PollRow> {
    const [poll] = await db.query<PollRow[]>(
      `INSERT INTO polls (session_id) VALUES ($1) RETURNING ${POLL_COLUMNS}`,
      [sessionId],
    );
    await db.query(
      `INSERT INTO poll_options (poll_id, position, game_id, label)
       SELECT $1, o.position, o.game_id, o.label
       FROM unnest($2::int[], $3::text[]) WITH ORDINALITY AS o(game_id, label, position)`,
      [poll.id, options.map((o) => o.game_id), options.map((o) => o.label)],
    );
    return poll;
  }

  /** The session's newest poll, open or ended. */
  async latest(sessionId: number): Promise<PollRow | undefined> {
    const [poll] = await this.dataSource.query<PollRow[]>(
      `SELECT ${POLL_COLUMNS} FROM polls WHERE session_id = $1 ORDER BY id DESC LIMIT 1`,
      [sessionId],
    );
    return poll;
  }

  /**
   * The session's open poll, locked: its row FOR UPDATE, and the session's poll lock
   * exclusively, which votes hold shared (see `record_poll_vote`). Votes under way finish
   * first and new ones wait, so no vote lands between what the caller reads and what it writes.
   */
  async lockOpen(db: Queryable, sessionId: number): Promise<PollRow | undefined> {
    await this.lockVotes(db, sessionId);
    const [poll] = await db.query<PollRow[]>(
      `SELECT ${POLL_COLUMNS} FROM polls WHERE session_id = $1 AND status = 'open' FOR UPDATE`,
      [sessionId],
    );
    return poll;
  }

  /**
   * Claims a poll whose countdown is due, for ending it: the row must still be open and due,
   * and another instance holding it is skipped (it is ending it).
   */
  async claimDue(db: Queryable, pollId: number): Promise<PollRow | undefined> {
    const [poll] = await db.query<PollRow[]>(
      `SELECT ${POLL_COLUMNS} FROM polls
       WHERE id = $1 AND status = 'open' AND ends_at <= now() FOR UPDATE SKIP LOCKED`,
      [pollId],
    );
    if (poll) await this.lockVotes(db, poll.session_id);
    return poll;
  }

  /** Waits for the session's votes under way, and holds new ones, until the transaction ends. */
  private async lockVotes(db: Queryable, sessionId: number): Promise<void> {
    await db.query('SELECT pg_advisory_xact_lock($1, $2)', [POLL_VOTES_LOCK, sessionId]);
  }

  /** Sets or clears the countdown; answers the due time. */
  async setEndsAt(
    db: Queryable,
    pollId: number,
    delaySeconds: number | null,
  ): Promise<Date | null> {
    const { rows } = await modify<{ ends_at: Date | null }>(
      db,
      `UPDATE polls SET ends_at = now() + $2 * interval '1 second' WHERE id = $1 RETURNING ends_at`,
      [pollId, delaySeconds],
    );
    return rows[0].ends_at;
  }

  async markEnded(
    db: Queryable,
    pollId: number,
    winner: { position: number; votes: number } | null,
  ): Promise<void> {
    await db.query(
      `UPDATE polls SET status = 'ended', ended_at = now(), ends_at = NULL,
         winner_position = $2, winner_votes = $3 WHERE id = $1`,
      [pollId, winner?.position ?? null, winner?.votes ?? 0],
    );
  }

  /**
   * Each option with its votes and `reached`, the newest of its votes' sequence numbers (when
   * it reached its count), in option order. Read after a lock on the poll, it counts every vote
   * committed before.
   */
  async standings(pollId: number, db: Queryable = this.dataSource): Promise<OptionStanding[]> {
    const rows = await db.query<(OptionStanding & { reached: string | null })[]>(
      `SELECT o.position AS option, o.game_id, o.label, g.ticker,
              count(v.username)::int AS votes, max(v.seq)::text AS reached
       FROM poll_options o
       LEFT JOIN games g ON g.id = o.game_id
       LEFT JOIN poll_votes v ON v.poll_id = o.poll_id AND v.position = o.position
       WHERE o.poll_id = $1
       GROUP BY o.position, o.game_id, o.label, g.ticker
       ORDER BY o.position`,
      [pollId],
    );
    return rows.map((r) => ({ ...r, reached: r.reached === null ? null : BigInt(r.reached) }));
  }

  /**
   * Locks an open poll to decide on its leader: instances deciding at once take turns, while
   * votes go on.
   */
  async lockForLeading(
    db: Queryable,
    pollId: number,
    intervalMs: number,
  ): Promise<LeadingState | undefined> {
    const [row] = await db.query<LeadingState[]>(
      `SELECT session_id, leader_position, leader_votes,
              greatest(0, ceil(extract(epoch FROM
                leading_sent_at + $2 * interval '1 millisecond' - now()) * 1000))::int AS wait_ms
       FROM polls WHERE id = $1 AND status = 'open' FOR NO KEY UPDATE`,
      [pollId, intervalMs],
    );
    if (row) row.wait_ms ??= 0;
    return row;
  }

  /** Remembers the leader just announced, and when (the transaction's time, as its event's). */
  async saveLeader(db: Queryable, pollId: number, position: number, votes: number): Promise<void> {
    await db.query(
      'UPDATE polls SET leader_position = $2, leader_votes = $3, leading_sent_at = now() WHERE id = $1',
      [pollId, position, votes],
    );
  }

  /** Every open poll, whether its countdown is due, and its newest vote. */
  openPolls(): Promise<OpenPoll[]> {
    return this.dataSource.query(
      `SELECT p.id, p.ends_at, coalesce(p.ends_at <= now(), false) AS due,
              (SELECT max(v.seq) FROM poll_votes v WHERE v.poll_id = p.id)::text AS last_seq
       FROM polls p WHERE p.status = 'open'`,
    );
  }
}
