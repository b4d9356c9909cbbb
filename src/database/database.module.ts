import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { RuntimeConfig } from '../config/app-config';
import { DatabaseAvailability } from './database-availability';
import { dataSourceOptions } from './data-source-options';

/**
 * The main database pool (TypeORM's data source) and the instance's one view of whether the
 * database answers, which every pool reports to and every request and task consults.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: RuntimeConfig): DynamicModule {
    const availability = new DatabaseAvailability();
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl, config.database, availability)),
      ],
      providers: [{ provide: DatabaseAvailability, useValue: availability }],
      exports: [DatabaseAvailability],
    };
  }
}
