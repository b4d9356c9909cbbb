import { Module } from '@nestjs/common';
import { GamesRepository } from '../games/games.repository';
import { SessionsModule } from '../sessions/sessions.module';
import { RoomsController } from './rooms.controller';
import { RoomsRepository } from './rooms.repository';
import { APP_TAG_LOOKUP, type AppTagLookup, RoomsService } from './rooms.service';

/**
 * Watching the Jackbox rooms of session games: monitors, their leases and their endpoints.
 * APP_TAG_LOOKUP finds the catalog game a room's app tag names, so snapshots can say whether
 * the room plays the game that was picked.
 */
@Module({
  imports: [SessionsModule],
  controllers: [RoomsController],
  providers: [
    RoomsService,
    RoomsRepository,
    {
      provide: APP_TAG_LOOKUP,
      inject: [GamesRepository],
      useFactory:
        (games: GamesRepository): AppTagLookup =>
        async (appTag) =>
          (await games.findByAppTag(appTag))?.id ?? null,
    },
  ],
  exports: [RoomsService],
})
export class RoomsModule {}
