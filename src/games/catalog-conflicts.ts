import { violatedConstraint } from '../common/database-errors';

/** What a unique violation on the catalog means, in words an admin can act on. */
export function conflictMessage(
  error: unknown,
  game: { pack_name?: string; title?: string; ticker?: string | null },
): string {
  return violatedConstraint(error) === 'games_pack_title_unique'
    ? `A game titled "${game.title ?? ''}" already exists in "${game.pack_name ?? ''}"`
    : `Ticker ${game.ticker ?? ''} is already used by another game`.replace('  ', ' ');
}
