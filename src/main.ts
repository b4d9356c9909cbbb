import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger, PinoLoggerService } from './common/logging';
import { ConfigError, loadConfig } from './config/app-config';
import { migrateDatabase } from './database/migrate';
import { createServer } from './server';
import { describeDatabase, prepareRuntime, type PreparedRuntime } from './startup';

const SHUTDOWN_DEADLINE_MS = 10_000;
const logger = new Logger('Bootstrap');

/**
 * Printed once the port is open, as log lines like every other: where the API and Swagger UI
 * are, and on the first zero-config start the admin key generated for it. Later starts say
 * where the key is kept without printing it again, so it is not copied into every log.
 */
function banner(url: string, prepared: PreparedRuntime): void {
  logger.log(`API listening on ${url} (Swagger UI: ${url}/api/docs)`);
  const generated = prepared.generatedAdminKey;
  if (generated?.new) {
    logger.log(
      `Admin key generated on this first start (kept in ${generated.file}): ${generated.key}`,
    );
  } else if (generated) {
    logger.log(`Admin key: the one generated on the first start, kept in ${generated.file}`);
  }
}

function shutDownOnSignals(app: NestFastifyApplication, prepared: PreparedRuntime): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // Armed first, so nothing below (not even a failing log write) can keep the process up.
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    logger.log(`${signal} received: finishing in-flight requests`);
    void (async () => {
      // Stop taking requests and finish the ones in flight, then close the pool, then the database.
      await app.close();
      await prepared.embedded?.stop();
      logger.log('shut down cleanly');
      process.exit(0);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

let prepared: PreparedRuntime | undefined;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      // One line, in the log format, naming the variable.
      createLogger('info').fatal(error.message);
      process.exit(1);
    }
    throw error;
  }
  // JSON lines from the first one on, in the app's one format.
  Logger.overrideLogger(new PinoLoggerService(createLogger(config.logLevel)));
  prepared = await prepareRuntime(config, (line) => logger.log(line.trim()));
  const { databaseUrl } = prepared.config;
  logger.log(`Using ${describeDatabase(databaseUrl, prepared.embedded !== undefined)}`);
  const applied = await migrateDatabase(databaseUrl);
  if (applied.length > 0) logger.log(`Applied migrations: ${applied.join(', ')}`);

  const app = await createServer(prepared.config);
  shutDownOnSignals(app, prepared);
  await app.listen(prepared.config.port, prepared.config.host);
  const host = ['0.0.0.0', '::'].includes(prepared.config.host)
    ? 'localhost'
    : prepared.config.host;
  banner(`http://${host}:${prepared.config.port}`, prepared);
}

main().catch(async (error: unknown) => {
  logger.error(`Start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  await prepared?.embedded?.stop();
  process.exit(1);
});
