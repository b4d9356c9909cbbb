import { Module } from '@nestjs/common';
import { PollsModule } from '../polls/polls.module';
import { LiveGateway } from './live.gateway';
import { LiveHub } from './live-hub';

@Module({ imports: [PollsModule], providers: [LiveGateway, LiveHub] })
export class LiveModule {}
