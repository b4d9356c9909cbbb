import { CreateEvents1764220000000 } from './1764220000000-CreateEvents';
import { CreateCatalog1764220100000 } from './1764220100000-CreateCatalog';
import { CreateSessions1764220200000 } from './1764220200000-CreateSessions';
import { CreateVotes1764220300000 } from './1764220300000-CreateVotes';
import { CreateWebhooks1764220400000 } from './1764220400000-CreateWebhooks';
import { WebhookHousekeeping1764220500000 } from './1764220500000-WebhookHousekeeping';
import { DeliveryAttemptsFromSchedule1764220600000 } from './1764220600000-DeliveryAttemptsFromSchedule';
import { CommitOrderAndShardedCounts1764220700000 } from './1764220700000-CommitOrderAndShardedCounts';
import { VoteDedupByUserTurns1764220800000 } from './1764220800000-VoteDedupByUserTurns';
import { GameAppTags1764400000000 } from './1764400000000-GameAppTags';
import { RoomMonitoring1764400100000 } from './1764400100000-RoomMonitoring';
import { Polls1764500200000 } from './1764500200000-Polls';
import { GameSourceAndSelection1764500300000 } from './1764500300000-GameSourceAndSelection';
import { WebhookPages1764600000000 } from './1764600000000-WebhookPages';

/** Every migration, oldest first. */
export const migrations = [
  CreateEvents1764220000000,
  CreateCatalog1764220100000,
  CreateSessions1764220200000,
  CreateVotes1764220300000,
  CreateWebhooks1764220400000,
  WebhookHousekeeping1764220500000,
  DeliveryAttemptsFromSchedule1764220600000,
  CommitOrderAndShardedCounts1764220700000,
  VoteDedupByUserTurns1764220800000,
  GameAppTags1764400000000,
  RoomMonitoring1764400100000,
  Polls1764500200000,
  GameSourceAndSelection1764500300000,
  WebhookPages1764600000000,
];
