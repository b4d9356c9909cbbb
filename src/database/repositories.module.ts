import { Global, Module } from '@nestjs/common';
import { GamesRepository } from '../games/games.repository';
import { PollsRepository } from '../polls/polls.repository';
import { SessionsRepository } from '../sessions/sessions.repository';
import { VotesRepository } from '../votes/votes.repository';
import { WebhooksRepository } from '../webhooks/webhooks.repository';

/**
 * The data-access layer: one repository per feature, each the only place that writes its
 * feature's tables (see docs/architecture.md). Provided once, globally, so a feature's
 * service can call another feature's repository without the modules importing each other.
 */
@Global()
@Module({
  providers: [
    GamesRepository,
    SessionsRepository,
    VotesRepository,
    WebhooksRepository,
    PollsRepository,
  ],
  exports: [
    GamesRepository,
    SessionsRepository,
    VotesRepository,
    WebhooksRepository,
    PollsRepository,
  ],
})
export class RepositoriesModule {}
