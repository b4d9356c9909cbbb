import type { MigrationInterface, QueryRunner } from 'typeorm';
import catalog from '../seed/jackbox-games.json';

export class CreateCatalog1764220100000 implements MigrationInterface {
  name = 'CreateCatalog1764220100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE packs (
        name text PRIMARY KEY CHECK (length(btrim(name)) > 0),
        favor_bias smallint NOT NULL DEFAULT 0 CHECK (favor_bias IN (-1, 0, 1)),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE games (
        id serial PRIMARY KEY,
        pack_name text NOT NULL REFERENCES packs (name) ON UPDATE CASCADE,
        title text NOT NULL CHECK (length(btrim(title)) > 0),
        min_players integer NOT NULL CHECK (min_players >= 1),
        max_players integer NOT NULL,
        length_minutes integer CHECK (length_minutes > 0),
        has_audience boolean NOT NULL DEFAULT false,
        family_friendly boolean NOT NULL DEFAULT false,
        game_type text,
        secondary_type text,
        play_count integer NOT NULL DEFAULT 0,
        upvotes integer NOT NULL DEFAULT 0,
        downvotes integer NOT NULL DEFAULT 0,
        popularity_score integer GENERATED ALWAYS AS (upvotes - downvotes) STORED,
        enabled boolean NOT NULL DEFAULT true,
        favor_bias smallint NOT NULL DEFAULT 0 CHECK (favor_bias IN (-1, 0, 1)),
        ticker text CHECK (ticker ~ '^[A-Z0-9]{2,6}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT games_players_range CHECK (max_players >= min_players),
        CONSTRAINT games_pack_title_unique UNIQUE (pack_name, title),
        CONSTRAINT games_ticker_unique UNIQUE (ticker) DEFERRABLE INITIALLY IMMEDIATE
      )`);

    // The shipped catalog, loaded once: later starts never re-add or overwrite anything.
    await queryRunner.query(
      `INSERT INTO packs (name) SELECT DISTINCT pack_name FROM jsonb_to_recordset($1::jsonb) AS g(pack_name text)`,
      [JSON.stringify(catalog)],
    );
    await queryRunner.query(
      `INSERT INTO games (pack_name, title, min_players, max_players, length_minutes, has_audience,
                          family_friendly, game_type, secondary_type, ticker)
       SELECT pack_name, title, min_players, max_players, length_minutes, has_audience,
              family_friendly, game_type, secondary_type, ticker
       FROM jsonb_to_recordset($1::jsonb) AS g(pack_name text, title text, min_players int,
            max_players int, length_minutes int, has_audience boolean, family_friendly boolean,
            game_type text, secondary_type text, ticker text)
       ORDER BY pack_name, title`,
      [JSON.stringify(catalog)],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE games');
    await queryRunner.query('DROP TABLE packs');
  }
}
