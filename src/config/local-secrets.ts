import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Secrets a zero-config install generates once and keeps in its data folder. */
export interface LocalSecrets {
  adminKey: string;
  jwtSecret: string;
  databasePassword: string;
}

const token = (bytes: number): string => randomBytes(bytes).toString('base64url');

export const secretsFile = (dataDir: string): string => path.join(dataDir, 'secrets.json');

/**
 * Reads `<dataDir>/secrets.json`, creating it (mode 0600) on first start, so the admin key
 * and the JWT secret survive restarts without anyone having to configure them.
 */
export function loadOrCreateLocalSecrets(dataDir: string): {
  secrets: LocalSecrets;
  created: boolean;
} {
  const file = secretsFile(dataDir);
  if (existsSync(file)) {
    try {
      return { secrets: JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets, created: false };
    } catch {
      throw new Error(
        `${file} is not valid JSON: restore it, or delete it to generate a new admin key and JWT secret`,
      );
    }
  }
  const secrets: LocalSecrets = {
    adminKey: token(24),
    jwtSecret: token(48),
    databasePassword: token(24),
  };
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return { secrets, created: true };
}
