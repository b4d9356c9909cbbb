import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { migrations } from './migrations';

/** Pool settings when none are configured (the TypeORM CLI and migrations). */
const DEFAULT_POOL: Pick<AppConfig['database'], 'poolSize' | 'connectionTimeoutMs'> = {
  poolSize: 10,
  connectionTimeoutMs: 5_000,
};

export function dataSourceOptions(
  url: string,
  pool: Pick<AppConfig['database'], 'poolSize' | 'connectionTimeoutMs'> = DEFAULT_POOL,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    // Data access is SQL in each feature's repository; the schema is the migrations'.
    entities: [],
    migrations,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: pool.poolSize, connectionTimeoutMillis: pool.connectionTimeoutMs },
  };
}
