-- wrk script for bench/poll: POST /api/sessions/:id/poll/votes. Viewers come from a pool of
-- VIEWERS names, so once the pool has voted every request is a change of mind (an update).
local prefix = os.getenv("VOTE_PREFIX") or "viewer"
local timestamp = os.getenv("VOTE_TIMESTAMP")
local viewers = tonumber(os.getenv("VIEWERS") or "2000")
local options = tonumber(os.getenv("OPTIONS") or "4")
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
  local body = string.format('{"username":"%s-%d-%d","option":%d,"timestamp":"%s"}',
    prefix, thread_id, counter % viewers, (counter * 7 + thread_id) % options + 1, timestamp)
  return wrk.format(nil, nil, nil, body)
end
