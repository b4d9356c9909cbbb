import type { GameSource, SessionDto, SessionGameDto } from './dto/session.dto';

export interface ExportedVote {
  username: string;
  vote_type: 'up' | 'down';
  timestamp: Date;
  game_id: number;
  title: string;
}

export interface SessionExport {
  exported_at: string;
  session: SessionDto;
  games: (SessionGameDto & { session_upvotes: number; session_downvotes: number })[];
  votes: ExportedVote[];
}

/** Where each game came from, in the text report's words. */
const SOURCE_WORDS: Record<GameSource, string> = {
  dice: 'picked by the dice',
  manual: 'added by hand',
  poll: 'won the poll',
};

const time = (d: Date) =>
  d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

/** A plain-text report of a session, for pasting into a stream log or a Discord post. */
export function formatSessionText(data: SessionExport): string {
  const { session, games, votes } = data;
  const lines = [
    `Jackbox Game Picker - session ${session.id}`,
    `Started: ${time(session.created_at)}`,
    `Ended:   ${session.closed_at ? time(session.closed_at) : 'still active'}`,
    `Games played: ${session.games_played}`,
    `Votes: ${votes.length}`,
    '',
    'Games:',
  ];
  games.forEach((g, i) => {
    const extras = [
      g.status,
      SOURCE_WORDS[g.source],
      g.room_code ? `room ${g.room_code}` : undefined,
      g.player_count !== null ? `${g.player_count} players` : undefined,
      `votes +${g.session_upvotes}/-${g.session_downvotes}`,
    ].filter(Boolean);
    lines.push(
      `${i + 1}. ${time(g.played_at)}  ${g.title} (${g.pack_name})  [${extras.join(', ')}]`,
    );
  });
  if (games.length === 0) lines.push('(none)');
  lines.push('', 'Notes:', session.notes?.trim() || '(none)', '');
  return lines.join('\n');
}
