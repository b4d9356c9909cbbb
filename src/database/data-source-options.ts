import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { BoundedPool, boundedPoolConfig } from './bounded-pool';
import type { DatabaseAvailability } from './database-availability';
import { migrations } from './migrations';

/**
 * The app's data source: with the app's database settings, a BoundedPool (every wait and
 * statement bounded). Without them (migrations, the TypeORM CLI) a plain pool, so that a long
 * migration, or one waiting for another instance's, is never cut short.
 */
export function dataSourceOptions(
  url: string,
  database?: AppConfig['database'],
  availability?: DatabaseAvailability,
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
    ...(database
      ? {
          driver: { Pool: BoundedPool },
          extra: boundedPoolConfig(database.poolSize, database, availability),
          // An idle connection that drops is replaced on the next use; a real outage is
          // noticed, and logged, by the requests and tasks it fails.
          poolErrorHandler: () => undefined,
        }
      : { extra: { max: 10, connectionTimeoutMillis: 5_000 } }),
  };
}
