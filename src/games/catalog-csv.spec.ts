import {
  CSV_COLUMNS,
  CsvColumn,
  formatCatalogCsv,
  MAX_IMPORTED_GAMES,
  parseCatalogCsv,
} from './catalog-csv';
import type { Game } from './dto/game.dto';

const REQUIRED_HEADER = 'pack_name,title,min_players,max_players';
const csv = (...lines: string[]) => lines.join('\n') + '\n';

/** The errors of a file that should be refused; fails when the file is accepted. */
function errorsOf(text: string): string[] {
  const { errors } = parseCatalogCsv(text);
  expect(errors.length).toBeGreaterThan(0);
  return errors;
}

/** The rows of a file that should be accepted; fails with the errors otherwise. */
function rowsOf(text: string) {
  const { rows, errors } = parseCatalogCsv(text);
  expect(errors).toEqual([]);
  return rows;
}

/** One row with the required columns and one more column set to `raw`. */
const withCell = (column: CsvColumn, raw: string) =>
  parseCatalogCsv(csv(`${REQUIRED_HEADER},${column}`, `Pack 1,Game,2,8,${raw}`));

type CatalogGame = Pick<Game, CsvColumn>;
const game = (overrides: Partial<CatalogGame>): CatalogGame => ({
  pack_name: 'The Jackbox Party Pack 9',
  title: 'Fibbage 4',
  min_players: 2,
  max_players: 8,
  length_minutes: 20,
  has_audience: true,
  family_friendly: false,
  game_type: 'Trivia',
  secondary_type: null,
  enabled: true,
  favor_bias: 0,
  ticker: 'FIB4',
  app_tag: null,
  ...overrides,
});

describe('CSV_COLUMNS', () => {
  it('lists the catalog columns in export order, without play history', () => {
    expect(CSV_COLUMNS).toEqual([
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
    ]);
    for (const history of ['play_count', 'upvotes', 'downvotes', 'popularity_score', 'id']) {
      expect(CSV_COLUMNS).not.toContain(history);
    }
  });
});

describe('parseCatalogCsv header', () => {
  it('reads the required columns alone, leaving the others out of the row', () => {
    expect(rowsOf(csv(REQUIRED_HEADER, 'Pack 1,Quiplash,3,8'))).toEqual([
      { line: 2, pack_name: 'Pack 1', title: 'Quiplash', min_players: 3, max_players: 8 },
    ]);
  });

  it('reads column names in any case and in any order', () => {
    expect(rowsOf(csv('Max_Players,TITLE,Pack_Name,min_PLAYERS', '8,Quiplash,Pack 1,3'))).toEqual([
      { line: 2, pack_name: 'Pack 1', title: 'Quiplash', min_players: 3, max_players: 8 },
    ]);
  });

  it('skips a byte order mark before the header', () => {
    expect(rowsOf('\uFEFF' + csv(REQUIRED_HEADER, 'Pack 1,Quiplash,3,8'))).toHaveLength(1);
  });

  it('drops spaces around column names and cells', () => {
    expect(
      rowsOf(csv(' pack_name , title ,min_players,max_players', ' Pack 1 , Quiplash , 3 , 8 ')),
    ).toEqual([
      { line: 2, pack_name: 'Pack 1', title: 'Quiplash', min_players: 3, max_players: 8 },
    ]);
  });

  it('refuses unknown columns, naming them and the known ones', () => {
    const errors = errorsOf(csv(`${REQUIRED_HEADER},play_count,notes`, 'Pack 1,Quiplash,3,8,5,x'));
    expect(errors).toEqual([
      `line 1: unknown columns play_count, notes (known: ${CSV_COLUMNS.join(', ')})`,
    ]);
    expect(parseCatalogCsv(csv(`${REQUIRED_HEADER},notes`, 'P,G,1,2,x')).rows).toEqual([]);
  });

  it('refuses a file missing required columns, naming each', () => {
    expect(errorsOf(csv('pack_name,title,ticker', 'Pack 1,Quiplash,QUIP'))).toEqual([
      'line 1: missing required columns min_players, max_players',
    ]);
  });

  it('reports unknown and missing columns together', () => {
    expect(errorsOf(csv('pack,title,min_players,max_players', 'Pack 1,Quiplash,3,8'))).toEqual([
      `line 1: unknown columns pack (known: ${CSV_COLUMNS.join(', ')})`,
      'line 1: missing required columns pack_name',
    ]);
  });

  it.each([
    ['spelled the same', `${REQUIRED_HEADER},title`],
    ['differing only in case', `${REQUIRED_HEADER},Title`],
    ['an optional one', `${REQUIRED_HEADER},ticker,TICKER`],
  ])('refuses a column named twice, %s', (_how, header) => {
    const cells = header.split(',').map((_, i) => (i < 2 ? 'x' : '2'));
    expect(errorsOf(csv(header, cells.join(',')))).toEqual(['line 1: a column is named twice']);
  });

  it.each([
    ['an empty file', ''],
    ['blank lines only', '\n\n\r\n'],
    ['spaces only', '   \n'],
  ])('refuses %s as empty', (_what, text) => {
    expect(parseCatalogCsv(text)).toEqual({ rows: [], errors: ['the file is empty'] });
  });

  it('refuses a header without games', () => {
    expect(parseCatalogCsv(REQUIRED_HEADER)).toEqual({
      rows: [],
      errors: ['the file has a header but no games'],
    });
    expect(parseCatalogCsv(csv(REQUIRED_HEADER, '', ''))).toEqual({
      rows: [],
      errors: ['the file has a header but no games'],
    });
  });

  it.each([
    ['a row with a cell too few', csv(REQUIRED_HEADER, 'Pack 1,Quiplash,3')],
    ['a row with a cell too many', csv(REQUIRED_HEADER, 'Pack 1,Quiplash,3,8,9')],
    ['an unclosed quote', csv(REQUIRED_HEADER, 'Pack 1,"Quiplash,3,8')],
  ])('refuses %s as not valid CSV', (_what, text) => {
    const { rows, errors } = parseCatalogCsv(text);
    expect(rows).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^the file is not valid CSV: .*line 2/);
  });
});

describe('parseCatalogCsv cells', () => {
  it('numbers rows by their line in the file, counting blank lines', () => {
    const rows = rowsOf(csv(REQUIRED_HEADER, 'Pack 1,A,1,2', '', 'Pack 1,B,1,2'));
    expect(rows.map((r) => r.line)).toEqual([2, 4]);
  });

  it('numbers rows of a file with Windows line ends by their line', () => {
    const text = `${REQUIRED_HEADER}\r\nPack 1,A,1,2\r\nPack 1,B,0,2\r\n`;
    expect(parseCatalogCsv(text).errors).toEqual([
      'line 3: min_players must be a whole number from 1 to 100 (got "0")',
    ]);
  });

  it('reads every column, typed', () => {
    const text = csv(
      CSV_COLUMNS.join(','),
      'Pack 9,Fibbage 4,2,8,20,true,no,Trivia,Writing,1,-1,fib4,quiplash3',
    );
    expect(rowsOf(text)).toEqual([
      {
        line: 2,
        pack_name: 'Pack 9',
        title: 'Fibbage 4',
        min_players: 2,
        max_players: 8,
        length_minutes: 20,
        has_audience: true,
        family_friendly: false,
        game_type: 'Trivia',
        secondary_type: 'Writing',
        enabled: true,
        favor_bias: -1,
        ticker: 'FIB4',
        app_tag: 'quiplash3',
      },
    ]);
  });

  it.each([
    ['min_players', '1', 1],
    ['min_players', '100', 100],
    ['max_players', '007', 7],
    ['length_minutes', '1', 1],
    ['length_minutes', '600', 600],
    ['favor_bias', '-1', -1],
    ['favor_bias', '1', 1],
  ] as const)('accepts %s %j as %d', (column, raw, value) => {
    const header = column === 'min_players' || column === 'max_players';
    const text = header
      ? csv(REQUIRED_HEADER, column === 'min_players' ? `P,G,${raw},100` : `P,G,1,${raw}`)
      : csv(`${REQUIRED_HEADER},${column}`, `P,G,1,2,${raw}`);
    expect(rowsOf(text)[0][column]).toBe(value);
  });

  it.each([
    ['min_players', '0', 1, 100],
    ['min_players', '101', 1, 100],
    ['min_players', '-3', 1, 100],
    ['min_players', '2.5', 1, 100],
    ['min_players', '1e1', 1, 100],
    ['min_players', '+3', 1, 100],
    ['min_players', 'two', 1, 100],
    ['min_players', '0x10', 1, 100],
    ['min_players', '99999999999999999999', 1, 100],
    ['length_minutes', '0', 1, 600],
    ['length_minutes', '601', 1, 600],
    ['favor_bias', '2', -1, 1],
    ['favor_bias', '-2', -1, 1],
  ] as const)(
    'refuses %s %j, naming the line, column, range and value',
    (column, raw, min, max) => {
      // A good line first, so the error must name the second one.
      const text =
        column === 'min_players'
          ? csv(REQUIRED_HEADER, 'P,A,1,2', `P,B,${raw},100`)
          : csv(`${REQUIRED_HEADER},${column}`, 'P,A,1,2,1', `P,B,1,2,${raw}`);
      expect(parseCatalogCsv(text).errors).toEqual([
        `line 3: ${column} must be a whole number from ${min} to ${max} (got "${raw}")`,
      ]);
    },
  );

  it.each([
    ['true', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['1', true],
    ['0', false],
    ['yes', true],
    ['Yes', true],
    ['no', false],
    ['NO', false],
  ])('reads the boolean %j as %s', (raw, value) => {
    for (const column of ['has_audience', 'family_friendly', 'enabled'] as const) {
      const { rows, errors } = withCell(column, raw);
      expect(errors).toEqual([]);
      expect(rows[0][column]).toBe(value);
    }
  });

  it.each(['', 'y', 'n', 't', 'on', 'off', '2', '-1', 'truthy'])(
    'refuses the boolean %j',
    (raw) => {
      expect(withCell('enabled', raw).errors).toEqual([
        `line 2: enabled must be true or false (got "${raw}")`,
      ]);
    },
  );

  it.each(['length_minutes', 'game_type', 'secondary_type', 'ticker', 'app_tag'] as const)(
    'reads an empty %s cell as null',
    (column) => {
      const { rows, errors } = withCell(column, '');
      expect(errors).toEqual([]);
      expect(rows[0]).toHaveProperty(column, null);
    },
  );

  it.each(['pack_name', 'title', 'min_players', 'max_players'])(
    'refuses an empty %s cell as required',
    (column) => {
      const cells = { pack_name: 'P', title: 'G', min_players: '1', max_players: '2' };
      const row = Object.entries(cells).map(([c, v]) => (c === column ? '' : v));
      expect(parseCatalogCsv(csv(REQUIRED_HEADER, row.join(','))).errors).toEqual([
        `line 2: ${column} is required`,
      ]);
    },
  );

  it('refuses an empty favor_bias cell: the column has no null', () => {
    expect(withCell('favor_bias', '').errors).toEqual(['line 2: favor_bias is required']);
  });

  it('reads a cell of spaces as empty', () => {
    expect(withCell('length_minutes', '   ').rows[0].length_minutes).toBeNull();
  });

  it.each(['pack_name', 'title', 'game_type', 'secondary_type'] as const)(
    'refuses a NUL character in %s',
    (column) => {
      const cells: Record<string, string> = { pack_name: 'P', title: 'G', min_players: '1' };
      cells.max_players = '2';
      cells[column] = 'a\u0000b';
      const header = Object.keys(cells).join(',');
      expect(parseCatalogCsv(csv(header, Object.values(cells).join(','))).errors).toEqual([
        `line 2: ${column} must not contain NUL (\\u0000) characters`,
      ]);
    },
  );

  it.each([
    ['pack_name', 100],
    ['title', 100],
    ['game_type', 50],
    ['secondary_type', 50],
  ] as const)('takes %s up to %d characters, and refuses one more', (column, max) => {
    const cells: Record<string, string> = { pack_name: 'P', title: 'G', min_players: '1' };
    cells.max_players = '2';
    const header = [...new Set([...Object.keys(cells), column])].join(',');
    const line = (value: string) => {
      cells[column] = value;
      return csv(header, Object.values(cells).join(','));
    };
    expect(rowsOf(line('x'.repeat(max)))[0][column]).toBe('x'.repeat(max));
    expect(parseCatalogCsv(line('x'.repeat(max + 1))).errors).toEqual([
      `line 2: ${column} must be at most ${max} characters`,
    ]);
  });

  it('trims a quoted cell like the JSON API, and refuses one of spaces where a value is required', () => {
    // Before, a quoted title of spaces passed and the database's CHECK refused it with a 500.
    expect(rowsOf(csv(REQUIRED_HEADER, '" Pack 1 ","  Game ",2,8'))[0]).toMatchObject({
      pack_name: 'Pack 1',
      title: 'Game',
    });
    expect(errorsOf(csv(REQUIRED_HEADER, 'Pack 1,"   ",2,8'))).toEqual([
      'line 2: title is required',
    ]);
    expect(errorsOf(csv(REQUIRED_HEADER, '"  ",Game,2,8'))).toEqual([
      'line 2: pack_name is required',
    ]);
  });

  it(`refuses a file of more than ${MAX_IMPORTED_GAMES} games, and takes one of that many`, () => {
    const games = (n: number) => Array.from({ length: n }, (_, i) => `Pack,Game ${i},2,8`);
    expect(rowsOf(csv(REQUIRED_HEADER, ...games(MAX_IMPORTED_GAMES)))).toHaveLength(
      MAX_IMPORTED_GAMES,
    );
    expect(errorsOf(csv(REQUIRED_HEADER, ...games(MAX_IMPORTED_GAMES + 1)))).toEqual([
      `the file lists ${MAX_IMPORTED_GAMES + 1} games; at most ${MAX_IMPORTED_GAMES} are taken at once (the real catalog has under 100)`,
    ]);
  });

  it('keeps commas, quotes and line breaks inside a quoted cell', () => {
    const rows = rowsOf(csv(REQUIRED_HEADER, 'Pack 1,"Fibbage: ""Enough"", About You",2,8'));
    expect(rows[0].title).toBe('Fibbage: "Enough", About You');
  });

  it.each([
    ['fib4', 'FIB4'],
    ['Fib4', 'FIB4'],
    ['QP', 'QP'],
    ['ABCDEF', 'ABCDEF'],
    ['123456', '123456'],
  ])('reads the ticker %j as %j', (raw, ticker) => {
    const { rows, errors } = withCell('ticker', raw);
    expect(errors).toEqual([]);
    expect(rows[0].ticker).toBe(ticker);
  });

  it.each(['Q', 'ABCDEFG', 'FIB-4', 'FIB 4', 'FIB_4', 'FÏB'])('refuses the ticker %j', (raw) => {
    expect(withCell('ticker', raw).errors).toEqual([
      `line 2: ticker must be 2 to 6 letters or digits (got "${raw}")`,
    ]);
  });

  it.each(['quiplash3', 'drawful2international', 'a', 'tee-ko_2', 'x'.repeat(64)])(
    'reads the app tag %j as it is',
    (raw) => {
      const { rows, errors } = withCell('app_tag', raw);
      expect(errors).toEqual([]);
      expect(rows[0].app_tag).toBe(raw);
    },
  );

  it.each(['Quiplash3', 'QUIPLASH3', 'quip lash', 'quip.lash', 'quiplash3!', 'x'.repeat(65)])(
    'refuses the app tag %j',
    (raw) => {
      expect(withCell('app_tag', raw).errors).toEqual([
        `line 2: app_tag must be 1 to 64 lowercase letters, digits, hyphens or underscores (got "${raw}")`,
      ]);
    },
  );

  it('refuses more players at least than at most', () => {
    expect(parseCatalogCsv(csv(REQUIRED_HEADER, 'P,A,3,3', 'P,B,4,3')).errors).toEqual([
      'line 3: min_players must not exceed max_players',
    ]);
  });

  it('does not compare players when one of the counts is already wrong', () => {
    expect(parseCatalogCsv(csv(REQUIRED_HEADER, 'P,A,200,3')).errors).toEqual([
      'line 2: min_players must be a whole number from 1 to 100 (got "200")',
    ]);
  });

  it('refuses a game listed twice, naming the earlier line', () => {
    const text = csv(
      REQUIRED_HEADER,
      'Pack 1,Quiplash,3,8',
      'Pack 2,Quiplash,3,8',
      '',
      'Pack 1,Quiplash,2,4',
    );
    expect(parseCatalogCsv(text).errors).toEqual(['line 5: "Quiplash" in "Pack 1" repeats line 2']);
  });

  it('tells apart a title in two packs and a pack with two titles', () => {
    expect(rowsOf(csv(REQUIRED_HEADER, 'A,B C,1,2', 'A B,C,1,2', 'A,B,1,2'))).toHaveLength(3);
  });

  it('refuses a ticker used twice, whatever its case, naming the earlier line', () => {
    const text = csv(
      `${REQUIRED_HEADER},ticker`,
      'P,A,1,2,fib4',
      'P,B,1,2,',
      'P,C,1,2,',
      'P,D,1,2,FIB4',
    );
    expect(parseCatalogCsv(text).errors).toEqual(['line 5: ticker FIB4 repeats line 2']);
  });

  it('refuses an app tag used twice, naming the earlier line', () => {
    const text = csv(
      `${REQUIRED_HEADER},app_tag`,
      'P,A,1,2,quiplash3',
      'P,B,1,2,',
      'P,C,1,2,quiplash3',
    );
    expect(parseCatalogCsv(text).errors).toEqual(['line 4: app_tag quiplash3 repeats line 2']);
  });

  it('lets any number of games go without a ticker', () => {
    const text = csv(`${REQUIRED_HEADER},ticker`, 'P,A,1,2,', 'P,B,1,2,', 'P,C,1,2,');
    expect(rowsOf(text).map((r) => r.ticker)).toEqual([null, null, null]);
  });

  it('lists every problem of the file, each with its line', () => {
    const text = csv(
      `${REQUIRED_HEADER},enabled`,
      'P,A,0,2,true',
      'P,B,1,2,maybe',
      'P,C,5,2,false',
    );
    expect(parseCatalogCsv(text).errors).toEqual([
      'line 2: min_players must be a whole number from 1 to 100 (got "0")',
      'line 3: enabled must be true or false (got "maybe")',
      'line 4: min_players must not exceed max_players',
    ]);
  });

  // Two rows whose titles are both refused as empty are not "the same game": the repeat check
  // then compares undefined with undefined and adds a message about a game titled "undefined".
  it('reports no repeat for two rows whose titles are both refused', () => {
    expect(parseCatalogCsv(csv(REQUIRED_HEADER, 'P,,1,2', 'P,,1,2')).errors).toEqual([
      'line 2: title is required',
      'line 3: title is required',
    ]);
  });

  // A quoted cell may span lines; the row starts, and is found in an editor, at its first
  // line, but the parser reports the line it ends on.
  it('names the first line of a row whose quoted cell spans two lines', () => {
    expect(parseCatalogCsv(csv(REQUIRED_HEADER, 'P,"Two\nLines",0,2')).errors).toEqual([
      'line 2: min_players must be a whole number from 1 to 100 (got "0")',
    ]);
  });
});

describe('formatCatalogCsv', () => {
  it('writes the header and one line per game, nulls as empty cells', () => {
    expect(formatCatalogCsv([game({ length_minutes: null, game_type: null, ticker: null })])).toBe(
      `${CSV_COLUMNS.join(',')}\n` +
        'The Jackbox Party Pack 9,Fibbage 4,2,8,,true,false,,,true,0,,\n',
    );
  });

  it('writes only the header when there are no games', () => {
    expect(formatCatalogCsv([])).toBe(`${CSV_COLUMNS.join(',')}\n`);
  });

  it('quotes cells with commas and quotes', () => {
    const text = formatCatalogCsv([game({ title: 'Say "Hi", Bye' })]);
    expect(text.split('\n')[1]).toContain(',"Say ""Hi"", Bye",');
  });

  it('gives back the same games when its output is parsed', () => {
    const games = [
      game({ app_tag: 'quiplash3' }),
      game({
        pack_name: 'Pack, with a comma',
        title: 'Quote "this"',
        min_players: 1,
        max_players: 100,
        length_minutes: null,
        has_audience: false,
        family_friendly: true,
        game_type: null,
        secondary_type: 'Drawing',
        enabled: false,
        favor_bias: -1,
        ticker: null,
      }),
      game({ title: 'Élan – ünïcode 🎉', favor_bias: 1, length_minutes: 600, ticker: 'Z9' }),
      game({ title: 'Two\nlines', ticker: null }),
    ];
    const { rows, errors } = parseCatalogCsv(formatCatalogCsv(games));
    expect(errors).toEqual([]);
    expect(rows.map(({ line: _line, ...row }) => row)).toEqual(games);
    expect(rows.slice(0, 3).map((r) => r.line)).toEqual([2, 3, 4]);
  });
});
