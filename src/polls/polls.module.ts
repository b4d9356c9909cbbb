import { Module } from '@nestjs/common';
import { PickerModule } from '../picker/picker.module';
import { SessionsModule } from '../sessions/sessions.module';
import { PollClock } from './poll-clock';
import { PollLeadingThrottle } from './poll-leading';
import { PollOutcomes } from './poll-outcomes';
import { PollVoteRoute } from './poll-vote.route';
import { PollsController } from './polls.controller';
import { PollsService } from './polls.service';

/** Viewer polls: their endpoints, the vote route, the leader's pace and the countdowns. */
@Module({
  imports: [SessionsModule, PickerModule],
  controllers: [PollsController],
  providers: [PollsService, PollOutcomes, PollLeadingThrottle, PollClock, PollVoteRoute],
  exports: [PollsService],
})
export class PollsModule {}
