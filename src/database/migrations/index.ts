import { CreateEvents1764220000000 } from './1764220000000-CreateEvents';

/** Every migration, oldest first. */
export const migrations = [CreateEvents1764220000000];
