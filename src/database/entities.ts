import { EventRecord } from '../events/event.entity';
import { Game } from '../games/game.entity';
import { Pack } from '../games/pack.entity';

/** Every TypeORM entity, listed so the app, the CLI and the tests load the same set. */
export const entities = [EventRecord, Game, Pack];
