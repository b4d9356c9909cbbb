import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The repository explains itself: comments and docs never send a reader to documents kept
 * outside it (a product owner's guide, the system this one replaces, a shared folder).
 */
const OUTSIDE =
  /\.\.\/shared\/|\bshared\/(spec|reference|anchors)\b|\bbot guide\b|\bthe guide\b|\bguide's\b|reference system|\bupstream\b/i;

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
});
