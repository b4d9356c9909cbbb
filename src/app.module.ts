import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AuthModule } from './auth/auth.module';
import type { RuntimeConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { RepositoriesModule } from './database/repositories.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { GamesModule } from './games/games.module';
import { PickerModule } from './picker/picker.module';
import { StatsModule } from './stats/stats.module';
import { SessionsModule } from './sessions/sessions.module';
import { VotesModule } from './votes/votes.module';
import { LiveModule } from './live/live.module';
import { MetricsModule } from './metrics/metrics.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { RoomsModule } from './rooms/rooms.module';
import { PollsModule } from './polls/polls.module';

@Module({})
export class AppModule {
  static forRoot(config: RuntimeConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(config),
        EventEmitterModule.forRoot({ wildcard: false }),
        RepositoriesModule,
        MetricsModule,
        EventsModule,
        AuthModule,
        HealthModule,
        GamesModule,
        PickerModule,
        StatsModule,
        SessionsModule,
        VotesModule,
        LiveModule,
        WebhooksModule,
        RoomsModule,
        PollsModule,
      ],
    };
  }
}
