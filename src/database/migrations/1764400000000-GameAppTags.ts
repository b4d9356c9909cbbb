import type { MigrationInterface, QueryRunner } from 'typeorm';
import catalog from '../seed/jackbox-games.json';

/**
 * A game's `app_tag`: the slug Jackbox's room service reports for a running room (`quiplash3`), so
 * a watched room resolves to its catalog game. At most one game per tag. The constraint is a
 * deferrable unique like the ticker's (NULLs never clash) so that an import may swap two games'
 * tags and be checked at commit.
 *
 * The shipped catalog's known tags are filled in here, for fresh and existing databases alike,
 * on the games still listed under their shipped pack and title; a game an admin renamed keeps no
 * tag rather than a guessed one. Tags added to the seed later need a migration of their own.
 */
export class GameAppTags1764400000000 implements MigrationInterface {
  name = 'GameAppTags1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const q = (sql: string) => queryRunner.query(sql);
    await q(`
      ALTER TABLE games
        ADD COLUMN app_tag text CONSTRAINT games_app_tag_format CHECK (app_tag ~ '^[a-z0-9_-]{1,64}$'),
        ADD CONSTRAINT games_app_tag_unique UNIQUE (app_tag) DEFERRABLE INITIALLY IMMEDIATE`);
    await q('DROP VIEW games_with_votes');
    await q(gamesWithVotes(true));
    await queryRunner.query(
      `UPDATE games g SET app_tag = s.app_tag
       FROM jsonb_to_recordset($1::jsonb) AS s(pack_name text, title text, app_tag text)
       WHERE s.app_tag IS NOT NULL AND g.pack_name = s.pack_name AND g.title = s.title`,
      [JSON.stringify(catalog)],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP VIEW games_with_votes');
    await queryRunner.query(gamesWithVotes(false));
    await queryRunner.query('ALTER TABLE games DROP COLUMN app_tag');
  }
}

/** The games with their summed vote counters, with or without the tag. */
function gamesWithVotes(withAppTag: boolean): string {
  return `
    CREATE VIEW games_with_votes AS
    SELECT g.id, g.pack_name, g.title, g.min_players, g.max_players, g.length_minutes,
           g.has_audience, g.family_friendly, g.game_type, g.secondary_type, g.play_count,
           c.upvotes, c.downvotes, c.upvotes - c.downvotes AS popularity_score,
           g.enabled, g.favor_bias, g.ticker,${withAppTag ? ' g.app_tag,' : ''} g.created_at
    FROM games g
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(v.upvotes), 0)::int AS upvotes, coalesce(sum(v.downvotes), 0)::int AS downvotes
      FROM vote_counts v WHERE v.game_id = g.id
    ) c`;
}
