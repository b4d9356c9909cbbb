import { violatedConstraint } from '../common/database-errors';

/** What a unique violation on the catalog means, in words an admin can act on. */
export function conflictMessage(
  error: unknown,
  game: { pack_name?: string; title?: string; ticker?: string | null; app_tag?: string | null },
): string {
  const constraint = violatedConstraint(error);
  if (constraint === 'games_pack_title_unique') {
    return `A game titled "${game.title ?? ''}" already exists in "${game.pack_name ?? ''}"`;
  }
  if (constraint === 'games_app_tag_unique') {
    return `App tag ${game.app_tag ?? ''} is already used by another game`.replace('  ', ' ');
  }
  return `Ticker ${game.ticker ?? ''} is already used by another game`.replace('  ', ' ');
}
