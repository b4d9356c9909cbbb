import { Module } from '@nestjs/common';
import { SessionExportService } from './session-export.service';
import { SessionGamesService } from './session-games.service';
import { SessionSelectionService } from './session-selection.service';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

@Module({
  controllers: [SessionsController],
  providers: [SessionsService, SessionGamesService, SessionSelectionService, SessionExportService],
  exports: [SessionsService],
})
export class SessionsModule {}
