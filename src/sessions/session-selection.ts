import type { OutboxTransaction } from '../events/event-outbox';
import type { GameDismissedReason } from '../events/event-types';
import type { SessionsRepository } from './sessions.repository';

/**
 * Clears the session's pending selection inside a change already holding the session's lock,
 * recording `game.dismissed` when there was one. Answers the game that was selected.
 */
export async function clearSelection(
  tx: OutboxTransaction,
  repository: SessionsRepository,
  sessionId: number,
  reason: GameDismissedReason,
): Promise<number | undefined> {
  const cleared = await repository.clearSelection(tx.manager, sessionId);
  if (!cleared) return undefined;
  await tx.record('game.dismissed', sessionId, {
    sessionId,
    gameId: cleared.game_id,
    source: cleared.source,
    reason,
  });
  return cleared.game_id;
}
