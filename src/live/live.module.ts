import { Module } from '@nestjs/common';
import { PollsModule } from '../polls/polls.module';
import { AdminPresence } from './admin-presence';
import { LiveGateway } from './live.gateway';
import { LiveHub } from './live-hub';

@Module({ imports: [PollsModule], providers: [LiveGateway, LiveHub, AdminPresence] })
export class LiveModule {}
