-- story_create: see storyCreateScript in store/stories.go.
-- include: story_common
-- include: story_index
local cursor = tonumber(ARGV[5])
local out = {0, 0, 0, 0}
local info
local id = exact(out)
if id then
  out[3] = 1
  local join = tonumber(ARGV[12])
  if join > 0 and (out[7] ~= ARGV[6] or out[8] ~= ARGV[7]) then
    out[4] = add_source(prefix .. id, ARGV[6], ARGV[7], '0', join, ARGV[8])
  end
else
  info = collect(cursor, out)
end
if #out > 4 then
  out[2] = tonumber(redis.call('GET', KEYS[1]) or '0')
  return out
end
local now = now_ms()
id = redis.call('INCR', KEYS[1])
local key = prefix .. id
redis.call('HSET', key, 'created', now, 'first_source', ARGV[6], 'first_item', ARGV[7],
  'title', ARGV[8], 'link', ARGV[9], 'data', ARGV[10], 'hash', ARGV[11])
redis.call('PEXPIRE', key, window)
-- The index of stories by time (ARGV[13]): trimmed to the window here,
-- expiring with the newest story.
redis.call('ZADD', ARGV[13], now, id)
redis.call('ZREMRANGEBYSCORE', ARGV[13], '-inf', now - window)
redis.call('PEXPIRE', ARGV[13], window)
index(id, id, info)
if has_hash then redis.call('SET', KEYS[2], id, 'PX', window) end
return {1, id, now}
