import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { VotesController } from './votes.controller';
import { VotesService } from './votes.service';

@Module({
  imports: [SessionsModule],
  controllers: [VotesController],
  providers: [VotesService],
})
export class VotesModule {}
