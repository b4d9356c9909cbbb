import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The repository explains itself: comments and docs never send a reader to documents kept
 * outside it (a product owner's guide, the system this one replaces, a shared folder).
 */
const OUTSIDE = new RegExp(
  [
    String.raw`\.\.\/shared\/`,
    String.raw`\bshared\/(spec|reference|anchors)\b`,
    String.raw`\bbot guide\b`,
    String.raw`\bthe guide\b`,
    String.raw`\bguide's\b`,
    String.raw`bot-integration-guide`,
    String.raw`upstream-api`,
    String.raw`\bupstream\b`,
    String.raw`reference (system|implementation|api|docs?|documentation)\b`,
    String.raw`\bproduct owner`,
    String.raw`compatibility target`,
    String.raw`\b(original|earlier|old|their|its) (docs|documentation)\b`,
    String.raw`published documentation`,
    String.raw`irc-kosmi-relay`,
  ].join('|'),
  'i',
);

describe('the repository stands on its own', () => {
  it('cites no document outside it', () => {
    const root = path.resolve(__dirname, '..');
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => /\.(ts|js|mjs|md|json|yml|sh)$|^\.ci\//.test(f))
      .filter((f) => !f.endsWith('package-lock.json') && f !== 'src/self-contained.spec.ts');
    const hits = files.flatMap((file) =>
      readFileSync(path.join(root, file), 'utf8')
        .split('\n')
        .map((line, i) => ({ file, line: i + 1, text: line }))
        .filter(({ text }) => OUTSIDE.test(text))
        .map(({ file: f, line, text }) => `${f}:${line}: ${text.trim().slice(0, 100)}`),
    );
    expect(hits).toEqual([]);
  });

  it.each([
    'as the guide says',
    'see the reference system',
    'the reference implementation does it too',
    "from the product owner's contract",
    'per upstream-api.md',
    'read the original documentation',
    'their docs show it',
  ])('catches "%s"', (phrase) => {
    expect(OUTSIDE.test(phrase)).toBe(true);
  });

  it.each([
    'the reference bot in examples/bot',
    'docs/bot-integration.md explains it',
    'the Express + SQLite Game Picker this API replaces',
  ])('lets "%s" pass', (phrase) => {
    expect(OUTSIDE.test(phrase)).toBe(false);
  });
});
