import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

describe('the generated client types', () => {
  it('are what openapi-typescript makes of docs/openapi.json (run npm run client:generate)', () => {
    const generated = execFileSync(
      process.execPath,
      [path.join(root, 'node_modules/openapi-typescript/bin/cli.js'), 'docs/openapi.json'],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const committed = readFileSync(path.join(__dirname, 'schema.d.ts'), 'utf8');
    expect(generated.length).toBeGreaterThan(1000);
    expect(committed === generated).toBe(true);
  });
});
