import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { LiveVoteRoute } from './live-vote.route';
import { VotesController } from './votes.controller';
import { VotesService } from './votes.service';

@Module({
  imports: [SessionsModule],
  controllers: [VotesController],
  providers: [VotesService, LiveVoteRoute],
})
export class VotesModule {}
