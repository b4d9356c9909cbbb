import type { AppConfig, RuntimeConfig } from './config/app-config';
import { loadOrCreateLocalSecrets } from './config/local-secrets';
import { EmbeddedPostgres } from './database/embedded-postgres';

export interface PreparedRuntime {
  config: RuntimeConfig;
  /** Set when this process runs its own PostgreSQL. */
  embedded?: EmbeddedPostgres;
  /** Set when the admin key was generated here (so the banner can show it). */
  generatedAdminKey?: string;
}

/**
 * Settles what the configuration leaves open. With DATABASE_URL everything came from the
 * environment. Without it, the server runs its own PostgreSQL under the data folder and
 * fills in a missing admin key and JWT secret from secrets generated there once.
 */
export async function prepareRuntime(
  config: AppConfig,
  log: (line: string) => void,
): Promise<PreparedRuntime> {
  if (config.databaseUrl !== undefined && config.jwtSecret !== undefined) {
    return { config: { ...config, databaseUrl: config.databaseUrl, jwtSecret: config.jwtSecret } };
  }
  const { secrets } = loadOrCreateLocalSecrets(config.dataDir);
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (databaseUrl === undefined) {
    embedded = new EmbeddedPostgres(
      config.dataDir,
      config.embeddedDbPort,
      secrets.databasePassword,
      log,
    );
    databaseUrl = await embedded.start();
  }
  const generate = config.admins.length === 0;
  return {
    config: {
      ...config,
      databaseUrl,
      jwtSecret: config.jwtSecret ?? secrets.jwtSecret,
      admins: generate ? [{ name: 'Admin', key: secrets.adminKey }] : config.admins,
    },
    embedded,
    generatedAdminKey: generate ? secrets.adminKey : undefined,
  };
}

/** The database a log line may name: host, port and database, never the password. */
export function describeDatabase(url: string, embedded: boolean): string {
  const { hostname, port, pathname } = new URL(url);
  const where = `${hostname}:${port || 5432}${pathname}`;
  return embedded ? `embedded PostgreSQL (${where})` : `PostgreSQL at ${where}`;
}
