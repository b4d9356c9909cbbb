import { DataSource } from 'typeorm';
import { readDatabaseUrl } from './src/config/app-config';
import { dataSourceOptions } from './src/database/data-source-options';

/**
 * The data source of the TypeORM CLI (`npm run migration:run` / `migration:revert`); the app
 * builds the same options in src/database. Point DATABASE_URL at the database to change.
 */
const url = readDatabaseUrl(process.env);
if (!url) throw new Error('Set DATABASE_URL to run the TypeORM CLI');
export default new DataSource(dataSourceOptions(url));
