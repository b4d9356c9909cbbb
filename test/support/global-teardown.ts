import type { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { adminQuery, TEMPLATE_ENV } from './database';

export default async function globalTeardown(): Promise<void> {
  // Each file drops its own database; the template is this run's to drop.
  const template = process.env[TEMPLATE_ENV];
  if (template) await adminQuery(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  await (globalThis as { embeddedPostgres?: EmbeddedPostgres }).embeddedPostgres?.stop();
}
