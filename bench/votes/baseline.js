// The baseline for bench/votes: a bare node:http + pg server running the very same vote
// statement (imported from the build) on the same pool size, with no framework, validation
// or auth. The API's figures are compared with this one's, measured in the same run.
const http = require('node:http');
const { Pool } = require('pg');
const { randomInt } = require('node:crypto');
const { LIVE_VOTE_SQL, VOTE_COUNTER_SHARDS } = require('../../dist/src/votes/votes.repository');

// The same pool size as the API's vote pool.
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_VOTE_POOL_SIZE ?? 8),
});

http
  .createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      try {
        const vote = JSON.parse(body);
        const { rows } = await pool.query({
          name: 'live-vote',
          text: LIVE_VOTE_SQL,
          values: [
            vote.username,
            vote.vote === 'up' ? 1 : -1,
            vote.timestamp,
            vote.timestamp,
            null,
            randomInt(VOTE_COUNTER_SHARDS),
          ],
        });
        const row = rows[0];
        const status = !row ? 404 : row.title === null ? 409 : 200;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            success: status === 200,
            session: row && { id: row.session_id, games_played: row.games_played },
            game: row && {
              id: row.game_id,
              title: row.title,
              upvotes: row.upvotes,
              downvotes: row.downvotes,
              popularity_score: row.popularity_score,
            },
            vote: { username: vote.username, type: vote.vote, timestamp: vote.timestamp },
          }),
        );
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));

// Exit rather than die on the benchmark's SIGTERM, so that --cpu-prof writes its profile.
process.on('SIGTERM', () => process.exit(0));
