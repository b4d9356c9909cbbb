import { Module } from '@nestjs/common';
import { CatalogImportService } from './catalog-import.service';
import { GamesController } from './games.controller';
import { GamesService } from './games.service';

@Module({
  controllers: [GamesController],
  providers: [GamesService, CatalogImportService],
})
export class GamesModule {}
