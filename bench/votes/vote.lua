-- wrk script for bench/votes: POST /api/votes/live with a new username on every request.
local prefix = os.getenv("VOTE_PREFIX") or "voter"
local timestamp = os.getenv("VOTE_TIMESTAMP")
local counter = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or "")

local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end

function request()
  counter = counter + 1
  local body = string.format('{"username":"%s-%d-%d","vote":"up","timestamp":"%s"}', prefix, thread_id, counter, timestamp)
  return wrk.format(nil, nil, nil, body)
end
