import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import {
  APP_TAG_PATTERN,
  APP_TAG_RULE,
  MAX_PLAYERS_LIMIT,
  TICKER_PATTERN,
} from '../common/validators';
import type { Game } from './dto/game.dto';

/** The CSV columns, in export order. Play counts and votes are history, not catalog: not exported. */
export const CSV_COLUMNS = [
  'pack_name',
  'title',
  'min_players',
  'max_players',
  'length_minutes',
  'has_audience',
  'family_friendly',
  'game_type',
  'secondary_type',
  'enabled',
  'favor_bias',
  'ticker',
  'app_tag',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];
const REQUIRED: CsvColumn[] = ['pack_name', 'title', 'min_players', 'max_players'];
/** Columns no two games may share a value of (nulls aside). */
export const UNIQUE_CODES = ['ticker', 'app_tag'] as const;

/** One imported line: the columns the file has, typed. */
export type CatalogRow = Partial<Pick<Game, CsvColumn>> &
  Pick<Game, 'pack_name' | 'title'> & { line: number };

export function formatCatalogCsv(games: Pick<Game, CsvColumn>[]): string {
  return stringify(
    games.map((g) => CSV_COLUMNS.map((c) => g[c] ?? '')),
    { header: true, columns: [...CSV_COLUMNS], cast: { boolean: (b) => String(b) } },
  );
}

const BOOLEANS: Record<string, boolean> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
};

type CellParser = (raw: string) => { value?: unknown; error?: string };

const integerCell =
  (min: number, max: number, nullable: boolean): CellParser =>
  (raw) => {
    if (raw === '') return nullable ? { value: null } : { error: 'is required' };
    if (!/^-?\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      return { error: `must be a whole number from ${min} to ${max} (got "${raw}")` };
    }
    return { value: Number(raw) };
  };

const textCell =
  (max: number, nullable: boolean): CellParser =>
  (quoted) => {
    // Trimmed like the JSON API's fields: the parser leaves spaces inside quotes.
    const raw = quoted.trim();
    if (raw === '') return nullable ? { value: null } : { error: 'is required' };
    if (raw.includes('\u0000')) return { error: 'must not contain NUL (\\u0000) characters' };
    return raw.length > max ? { error: `must be at most ${max} characters` } : { value: raw };
  };

const booleanCell: CellParser = (raw) => {
  const value = BOOLEANS[raw.toLowerCase()];
  return value === undefined ? { error: `must be true or false (got "${raw}")` } : { value };
};

const CELL_PARSERS: Record<CsvColumn, CellParser> = {
  pack_name: textCell(100, false),
  title: textCell(100, false),
  min_players: integerCell(1, MAX_PLAYERS_LIMIT, false),
  max_players: integerCell(1, MAX_PLAYERS_LIMIT, false),
  length_minutes: integerCell(1, 600, true),
  has_audience: booleanCell,
  family_friendly: booleanCell,
  game_type: textCell(50, true),
  secondary_type: textCell(50, true),
  enabled: booleanCell,
  favor_bias: integerCell(-1, 1, false),
  ticker: (raw) => {
    if (raw === '') return { value: null };
    const ticker = raw.toUpperCase();
    return TICKER_PATTERN.test(ticker)
      ? { value: ticker }
      : { error: `must be 2 to 6 letters or digits (got "${raw}")` };
  },
  app_tag: (raw) => {
    if (raw === '') return { value: null };
    return APP_TAG_PATTERN.test(raw)
      ? { value: raw }
      : { error: `must be ${APP_TAG_RULE} (got "${raw}")` };
  },
};

/**
 * The line a record starts on: the parser counts to where it ends, and a quoted cell may span
 * lines (`raw` also holds the empty lines skipped before it).
 */
function firstLine(lastLine: number, raw: string): number {
  const text = raw.replace(/^(\r?\n)+/, '').replace(/\r?\n$/, '');
  return lastLine - (text.match(/\n/g)?.length ?? 0);
}

/**
 * The most games one file may list: the import writes them one by one with the catalog locked,
 * and games, votes and picks wait meanwhile (66,000 rows held them for over a minute).
 */
export const MAX_IMPORTED_GAMES = 2_000;

/**
 * Parses and checks a whole catalog CSV. Returns every problem with its line number, so a
 * bad file can be refused as a whole with one answer that lists what to fix.
 */
export function parseCatalogCsv(text: string): { rows: CatalogRow[]; errors: string[] } {
  let records: { record: string[]; info: { lines: number }; raw: string }[];
  try {
    records = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
      raw: true,
    }) as unknown as typeof records;
  } catch (error) {
    return { rows: [], errors: [`the file is not valid CSV: ${(error as Error).message}`] };
  }
  if (records.length === 0) return { rows: [], errors: ['the file is empty'] };
  const header = records[0].record.map((h) => h.toLowerCase());
  const errors: string[] = [];
  const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h));
  if (unknown.length) {
    errors.push(`line 1: unknown columns ${unknown.join(', ')} (known: ${CSV_COLUMNS.join(', ')})`);
  }
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length) errors.push(`line 1: missing required columns ${missing.join(', ')}`);
  if (new Set(header).size !== header.length) errors.push('line 1: a column is named twice');
  if (errors.length) return { rows: [], errors };

  const rows: CatalogRow[] = [];
  const seenGames = new Map<string, number>();
  const seen = { ticker: new Map<string, number>(), app_tag: new Map<string, number>() };
  for (const { record, info, raw } of records.slice(1)) {
    const line = firstLine(info.lines, raw);
    const row: Record<string, unknown> = { line };
    header.forEach((column, i) => {
      const { value, error } = CELL_PARSERS[column as CsvColumn](record[i]);
      if (error) errors.push(`line ${line}: ${column} ${error}`);
      else row[column] = value;
    });
    const parsed = row as CatalogRow;
    if (
      typeof parsed.min_players === 'number' &&
      typeof parsed.max_players === 'number' &&
      parsed.min_players > parsed.max_players
    ) {
      errors.push(`line ${line}: min_players must not exceed max_players`);
    }
    // A row whose pack or title was refused names no game, so it repeats none.
    if (parsed.pack_name !== undefined && parsed.title !== undefined) {
      const key = `${parsed.pack_name}\u0000${parsed.title}`;
      if (seenGames.has(key)) {
        errors.push(
          `line ${line}: "${parsed.title}" in "${parsed.pack_name}" repeats line ${seenGames.get(key)}`,
        );
      }
      seenGames.set(key, line);
    }
    for (const column of UNIQUE_CODES) {
      const code = parsed[column];
      if (!code) continue;
      const earlier = seen[column].get(code);
      if (earlier) errors.push(`line ${line}: ${column} ${code} repeats line ${earlier}`);
      seen[column].set(code, line);
    }
    rows.push(parsed);
  }
  if (rows.length === 0 && errors.length === 0) errors.push('the file has a header but no games');
  if (rows.length > MAX_IMPORTED_GAMES) {
    errors.push(
      `the file lists ${rows.length} games; at most ${MAX_IMPORTED_GAMES} are taken at once (the real catalog has under 100)`,
    );
  }
  return { rows, errors };
}
