import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LoginDto } from '../auth/dto/login.dto';
import { ConfigError, loadConfig } from './app-config';
import { loadOrCreateLocalSecrets } from './local-secrets';
import { MIN_ADMIN_KEY_LENGTH, MIN_JWT_SECRET_LENGTH, SHIPPED_SECRETS } from './shipped-secrets';

const ROOT = path.resolve(__dirname, '..', '..');

/** The files a reader copies settings from: the example env, the README, the docs, the examples. */
function shippedFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      if (name === 'node_modules') return [];
      return statSync(full).isDirectory() ? walk(full) : [full];
    });
  return [
    path.join(ROOT, '.env.example'),
    path.join(ROOT, 'README.md'),
    ...['docs', 'examples'].flatMap((dir) =>
      existsSync(path.join(ROOT, dir)) ? walk(path.join(ROOT, dir)) : [],
    ),
  ];
}

/** Values shown for an admin key or a JWT secret: `ADMIN_KEY=...`, `"apiKey": "..."` and the like. */
const PATTERNS = [
  /\b(?:ADMIN_KEY|JWT_SECRET)\s*[=:]\s*["']?([^\s"'`$,}]+)/g,
  /["']?\b(?:apiKey|key|adminKey|jwtSecret)["']?\s*:\s*["']([^"'\n]+)["']/g,
];

function examplesIn(text: string): string[] {
  return PATTERNS.flatMap((pattern) => [...text.matchAll(pattern)].map((m) => m[1]));
}

function refuses(env: Record<string, string>, variable: string): boolean {
  try {
    loadConfig(env);
    return false;
  } catch (error) {
    return error instanceof ConfigError && error.variable === variable;
  }
}

describe('secrets shipped with the repository', () => {
  const found = new Map<string, string>();
  for (const file of shippedFiles()) {
    for (const value of examplesIn(readFileSync(file, 'utf8'))) {
      found.set(value, path.relative(ROOT, file));
    }
  }
  // Swagger UI's "Try it out" fills the login body with these (@ApiProperty's metadata).
  for (const field of ['apiKey', 'key']) {
    const meta = Reflect.getMetadata('swagger/apiModelProperties', LoginDto.prototype, field) as
      { example?: unknown } | undefined;
    if (typeof meta?.example === 'string') found.set(meta.example, `LoginDto.${field}`);
  }

  it('finds the examples it is meant to find', () => {
    expect([...found.keys()]).toEqual(
      expect.arrayContaining([
        'change-me-to-a-long-random-key',
        'change-me-to-at-least-32-random-characters-please',
      ]),
    );
  });

  it('lists every example long enough to pass the length check', () => {
    const missing = [...found]
      .filter(([value]) => value.length >= MIN_ADMIN_KEY_LENGTH && !SHIPPED_SECRETS.includes(value))
      .map(([value, where]) => `${value} (${where})`);
    expect(missing).toEqual([]);
  });

  it('refuses every example as ADMIN_KEY and as JWT_SECRET', () => {
    for (const value of new Set([...found.keys(), ...SHIPPED_SECRETS])) {
      expect([value, refuses({ ADMIN_KEY: value }, 'ADMIN_KEY')]).toEqual([value, true]);
      expect([value, refuses({ JWT_SECRET: value }, 'JWT_SECRET')]).toEqual([value, true]);
    }
  });

  it('accepts what a zero-config start generates', () => {
    const { secrets } = loadOrCreateLocalSecrets(mkdtempSync(path.join(os.tmpdir(), 'jbx-')));
    expect(secrets.adminKey.length).toBeGreaterThanOrEqual(MIN_ADMIN_KEY_LENGTH);
    expect(secrets.jwtSecret.length).toBeGreaterThanOrEqual(MIN_JWT_SECRET_LENGTH);
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/jackbox',
      ADMIN_KEY: secrets.adminKey,
      JWT_SECRET: secrets.jwtSecret,
    });
    expect(config.admins).toEqual([{ name: 'Admin', key: secrets.adminKey }]);
  });
});
