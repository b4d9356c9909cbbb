/** SQL shared by the session services: one place for the session and session game shapes. */

export const SESSION_COLUMNS = `s.id, s.notes, s.is_active, s.created_at, s.closed_at,
  (SELECT count(*) FROM session_games sg WHERE sg.session_id = s.id)::int AS games_played`;

export const SESSION_GAME_COLUMNS = `sg.id, sg.session_id, sg.game_id, sg.played_at, sg.status, sg.manually_added,
  sg.room_code, sg.player_count, g.title, g.pack_name, g.min_players, g.max_players, g.game_type,
  g.family_friendly, g.ticker, g.upvotes, g.downvotes, g.popularity_score`;

export const SESSION_GAMES_FROM = 'session_games sg JOIN games g ON g.id = sg.game_id';
