import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { RoomsController } from './rooms.controller';
import { RoomsRepository } from './rooms.repository';
import { RoomsService } from './rooms.service';

/**
 * Watching the Jackbox rooms of session games: monitors, their leases and their endpoints.
 * A provider for APP_TAG_LOOKUP (rooms.service.ts) lets snapshots compare a room's app tag with
 * the picked catalog game.
 */
@Module({
  imports: [SessionsModule],
  controllers: [RoomsController],
  providers: [RoomsService, RoomsRepository],
  exports: [RoomsService],
})
export class RoomsModule {}
